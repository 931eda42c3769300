/**
 * Group `reads`: the item GET (200, and 304 on a matching ETag), an idempotent replay (a POST
 * answered from the stored response), and the first page of the list, next to bare Fastify + pg
 * running the same SQL (the same tenant transaction, as the same runtime role): every statement
 * unnamed (the peer), and with the statements the app prepares prepared too (the same
 * database work on both sides).
 */
import { peerCaller } from '../seed';
import { bearer, type Group, type GroupContext, httpMember, itemLoad, listLoad, plainLoad, postLoad } from './group';

export function readsGroup(ctx: GroupContext): Group {
  const { targets, seed } = ctx;
  const pg = targets['fastify-pg'];
  const conditional = { ...itemLoad(ctx, targets.app), headers: { ...bearer(ctx, 'reader'), 'if-none-match': ctx.etag } };
  // The peer is told who the reader is (the app knows them from the token).
  const pgItemPath = `/projects/${seed.item.id}?${peerCaller(seed)}`;
  const pgListPath = `/projects?${peerCaller(seed)}`;
  // The same peer preparing what the app prepares: the same database work on both sides.
  const replay = postLoad(ctx, { 'idempotency-key': seed.replayKey });
  const members = [
    httpMember(ctx, 'pg-item', 'Fastify + pg item', 'fastify-pg', plainLoad(ctx, pg, pgItemPath), ['200']),
    httpMember(ctx, 'item', 'GET /projects/{id}', 'app', itemLoad(ctx, targets.app), ['200']),
    httpMember(ctx, 'item-304', 'GET /projects/{id} → 304', 'app', conditional, ['304']),
    httpMember(ctx, 'replay', 'POST /projects, replayed key', 'app', replay, ['201']),
    httpMember(ctx, 'pg-list', 'Fastify + pg list (20)', 'fastify-pg', plainLoad(ctx, pg, pgListPath), ['200']),
    httpMember(ctx, 'list', 'GET /projects?page_size=20', 'app', listLoad(ctx, targets.app), ['200']),
    httpMember(
      ctx,
      'pg-item-prepared',
      'Fastify + pg item, prepared as the app',
      'fastify-pg-prepared',
      plainLoad(ctx, targets['fastify-pg-prepared'], `${pgItemPath}&prepared=1`),
      ['200'],
    ),
    httpMember(
      ctx,
      'pg-list-prepared',
      'Fastify + pg list (20), prepared as the app',
      'fastify-pg-prepared',
      plainLoad(ctx, targets['fastify-pg-prepared'], `${pgListPath}&prepared=1`),
      ['200'],
    ),
  ];
  const candidate = targets['app-candidate'];
  if (candidate) {
    const [item, list] = [itemLoad(ctx, candidate), listLoad(ctx, candidate)];
    members.push(
      httpMember(ctx, 'item-candidate', 'GET /projects/{id} (candidate)', 'candidate app', item, ['200']),
      httpMember(ctx, 'list-candidate', 'GET /projects?page_size=20 (candidate)', 'candidate app', list, ['200']),
    );
  }
  return { id: 'reads', slice: 1, settleMs: 100, members };
}
