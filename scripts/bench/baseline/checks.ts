/**
 * Before anything is measured: every path answers what its scenario expects (an ETag and
 * rate-limit headers on the item GET, 304 on a match, a full first page, the fastify-pg peers
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

  // The peers are told who the reader is (the app knows them from the token); the second one prepares what the app prepares.
  for (const [name, query] of [
    ['fastify-pg', peerCaller(seed)],
    ['fastify-pg-prepared', `${peerCaller(seed)}&prepared=1`],
  ] as const) {
    const peer = targets[name].url('');
    const peerItem = expectStatus(`${name} item`, await call(peer, 'GET', `/projects/${seed.item.id}?${query}`), 200);
    deepStrictEqual(JSON.parse(peerItem.text), JSON.parse(read.text), `the ${name} peer must return the same project`);
    const peerList = expectStatus(`${name} list`, await call(peer, 'GET', `/projects?${query}`), 200);
    deepStrictEqual(JSON.parse(peerList.text), page, `the ${name} peer must return the same page`);
  }

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
