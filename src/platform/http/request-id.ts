import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A client-sent id is kept only when it is short and made of safe characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/**
 * Fastify `genReqId`: the client's `X-Request-Id` if sane, else a fresh UUID. Fastify keeps it
 * as `request.id`, which the response header, the access line and every log line of the request
 * read; the raw request is left as Node made it.
 */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return isSaneRequestId(header) ? header : randomUUID();
}
