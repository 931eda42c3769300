import { withTestApp } from './support/app';

/**
 * Readiness includes Redis when REDIS_URL is set. Uses the machine's Redis on loopback
 * (TEST_REDIS_URL, exported by .ci/run whenever one answers); without one there is nothing
 * real to check against, and the case is reported as skipped, not passed.
 */
describe('readiness with Redis configured (e2e)', () => {
  const redisUrl = process.env.TEST_REDIS_URL;

  (redisUrl ? it : it.skip)('reports redis up when it answers (needs TEST_REDIS_URL)', async () => {
    await withTestApp({ env: { REDIS_URL: redisUrl! } }, async (t) => {
      const res = await t.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json().details).toMatchObject({ redis: { status: 'up' }, database: { status: 'up' } });
    });
  });
});
