/**
 * Group `writes`: a project POST without an idempotency key next to one with a new key every
 * time, and the same pair at bare Fastify + pg (the same tenant transaction and insert; the key's
 * claim and stored response as the atomic mode sends them): what the key costs the database alone.
 */
import { peerCaller } from '../seed';
import { type Group, type GroupContext, httpMember, postLoad } from './group';

export function writesGroup(ctx: GroupContext): Group {
  const pg = ctx.targets['fastify-pg'];
  const pgPost = (headers: Record<string, string> = {}) => ({
    ...postLoad(ctx, headers, Object.keys(headers).length > 0),
    url: pg.url(`/projects?${peerCaller(ctx.seed, 'writer')}`),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const key = { 'idempotency-key': `bench-${ctx.seed.run}-[<id>]` };
  return {
    id: 'writes',
    slice: 1,
    settleMs: 200,
    members: [
      httpMember(ctx, 'post', 'POST /projects, no key', 'app', postLoad(ctx), ['201']),
      httpMember(ctx, 'post-key', 'POST /projects, new key', 'app', postLoad(ctx, key, true), ['201']),
      httpMember(ctx, 'pg-post', 'Fastify + pg POST, no key', 'fastify-pg', pgPost(), ['201']),
      httpMember(
        ctx,
        'pg-post-key',
        'Fastify + pg POST, new key',
        'fastify-pg',
        pgPost({ 'idempotency-key': `bench-pg-${ctx.seed.run}-[<id>]` }),
        ['201'],
      ),
    ],
  };
}
