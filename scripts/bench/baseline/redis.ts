/**
 * Redis for the throttler scenario: whether it answers (else that scenario is skipped), and
 * the keys under the run's own prefix (counted to check the app used it, deleted at the end).
 */
import { Redis } from 'ioredis';

export interface BenchRedis {
  url: string;
  prefix: string;
  version?: string;
  /** Why the Redis scenario is skipped, when it is. */
  unavailable?: string;
}

export async function probeRedis(url: string, prefix: string): Promise<BenchRedis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1500, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return { url, prefix, version: /redis_version:(\S+)/.exec(info)?.[1] };
  } catch (error) {
    return { url, prefix, unavailable: `Redis at ${url} does not answer (${(error as Error).message})` };
  } finally {
    client.disconnect();
  }
}

/** Keys under `prefix`; with `remove`, deletes them too. */
export async function redisKeys(url: string, prefix: string, remove: boolean): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1500 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
      if (remove && keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    return count;
  } finally {
    client.disconnect();
  }
}
