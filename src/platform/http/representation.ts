import type { FastifyReply, FastifyRequest } from 'fastify';
import { strongEtag } from './etag';

/** How the routes that honour `If-Match` document it. */
export const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'Strong ETag from a previous read; on mismatch the request fails with 412 and changes nothing',
};

/** The `If-Match` header as one string (repeated headers are joined, as RFC 9110 allows). */
export function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  return Array.isArray(header) ? header.join(', ') : header;
}

/**
 * Sends the strong ETag of a representation written by POST or PATCH, the same tag a GET of
 * it returns, so a client can send it back in `If-Match` without another read. Given the
 * creating request (a POST to the collection), also the new item's `Location`.
 */
export function withEtag<T extends { id: string }>(reply: FastifyReply, view: T, createdBy?: FastifyRequest): T {
  void reply.header('etag', strongEtag(view));
  if (createdBy) void reply.header('location', `${createdBy.url.split('?')[0].replace(/\/$/, '')}/${view.id}`);
  return view;
}
