/**
 * Before anything is measured: every path answers what its scenario expects (an ETag and
 * rate-limit headers on the item GET, 304 on a match, a full first page, the fastify-pg peer
 * returning exactly the app's JSON, a replay from the stored response, no rate-limit headers
 * with the throttler off, Redis-backed limits on the Redis app).
 */
import { deepStrictEqual } from 'node:assert/strict';
import { call, expectStatus } from './api';
import type { Target } from './processes';
import { peerCaller, POST_BODY, type Seed } from './seed';

/** Checks every path; returns the item's ETag (the conditional GET sends it). */
export async function checkPaths(targets: Record<string, Target>, seed: Seed): Promise<{ etag: string }> {
  const app = targets.app.url('');
  const token = seed.tokens.reader;
  const read = expectStatus('item GET', await call(app, 'GET', seed.itemPath, { token }), 200);
  const etag = read.headers.get('etag');
  if (!etag) throw new Error('item GET sent no ETag');
  if (!read.headers.get('x-ratelimit-limit')) throw new Error('item GET on the throttled app sent no X-RateLimit-Limit');
  expectStatus('conditional GET', await call(app, 'GET', seed.itemPath, { token, headers: { 'if-none-match': etag } }), 304);
  const list = expectStatus('list', await call(app, 'GET', '/api/v1/projects?page_size=20', { token }), 200);
  const page = JSON.parse(list.text) as { items: unknown[]; total: number };
  if (page.items.length !== 20 || page.total !== 40)
    throw new Error(`list: expected 20 of 40 items, got ${page.items.length} of ${page.total}`);

  const peer = targets['fastify-pg'].url('');
  // The peer is told who the reader is (the app knows them from the token).
  const caller = peerCaller(seed);
  const peerItem = expectStatus('peer item', await call(peer, 'GET', `/projects/${seed.item.id}?${caller}`), 200);
  deepStrictEqual(JSON.parse(peerItem.text), JSON.parse(read.text), 'the fastify-pg peer must return the same project');
  const peerList = expectStatus('peer list', await call(peer, 'GET', `/projects?${caller}`), 200);
  deepStrictEqual(JSON.parse(peerList.text), page, 'the fastify-pg peer must return the same page');

  const again = await call(app, 'POST', '/api/v1/projects', {
    token: seed.tokens.writer,
    body: POST_BODY,
    headers: { 'idempotency-key': seed.replayKey },
  });
  if (expectStatus('replayed POST', again, 201).headers.get('idempotent-replayed') !== 'true') {
    throw new Error('the replayed POST was not answered from the stored response');
  }

  const unthrottled = expectStatus(
    'unthrottled GET',
    await call(targets['app-unthrottled'].url(''), 'GET', seed.itemPath, { token }),
    200,
  );
  if (unthrottled.headers.get('x-ratelimit-limit')) throw new Error('RATE_LIMIT_ENABLED=false still sent rate-limit headers');
  if (targets['app-redis']) {
    const viaRedis = expectStatus('Redis GET', await call(targets['app-redis'].url(''), 'GET', seed.itemPath, { token }), 200);
    if (!viaRedis.headers.get('x-ratelimit-limit')) throw new Error('the Redis-backed app sent no X-RateLimit-Limit');
  }
  return { etag };
}
