import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './early-refusal';
import { DomainError, ValidationFailedError } from './problem';
import { REQUEST_ID_HEADER } from './request-id';

/**
 * The longest path parameter the router accepts (find-my-way's default, made explicit). Every
 * path parameter of the API is a UUID (36 characters), so nothing legitimate comes near it.
 */
export const MAX_PATH_PARAM_LENGTH = 100;

/** The headers every other response gets from the `onRequest` hooks (security headers, CORS). */
export type HeadersFor = (request: FastifyRequest) => Readonly<Record<string, string>>;

const logger = new Logger('HTTP');

/**
 * The problem for an error Fastify's router raises while it matches the URL, before any hook:
 * a path whose percent-encoding is not UTF-8 (`/projects/%ZZ`), or a path parameter longer than
 * `MAX_PATH_PARAM_LENGTH`. Both are the client's fault in the path, so both are the one
 * `400 validation_failed` (not Fastify's `414`: no route documents it, and a parameter of the
 * right length but the wrong shape is a 400 too).
 */
export function frameworkErrorProblem(error: { code?: string }): DomainError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ValidationFailedError(
        [{ field: 'path', code: 'invalid_encoding', message: 'the path must be valid percent-encoded UTF-8' }],
        'The request path is not valid percent-encoded UTF-8.',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ValidationFailedError(
        [
          {
            field: 'path',
            code: 'max_length',
            message: `a path parameter must be at most ${MAX_PATH_PARAM_LENGTH} characters`,
          },
        ],
        'A path parameter is too long.',
      );
    default:
      return new DomainError('internal_error', 500, 'An unexpected error occurred. Quote the request id when reporting it.');
  }
}

/**
 * Fastify's `frameworkErrors`: the router answers these requests itself, before any `onRequest`
 * hook, so the handler gives the response what those hooks would have (the request id, the
 * security and CORS headers, from `headersFor`) and sends the problem the way every early
 * refusal is sent.
 */
export function frameworkErrorHandler(headersFor: HeadersFor) {
  return (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    const problem = frameworkErrorProblem(error);
    if (problem.status >= 500)
      logger.error({ err: error, request_id: request.id }, `Router error on ${request.method} ${request.url}`);
    void reply.headers(headersFor(request)).header(REQUEST_ID_HEADER, request.id);
    sendProblem(request, reply, problem);
  };
}
