import { Redis } from 'ioredis';
import { defineFeedScripts } from './scripts.ts';

/**
 * A command connection to Redis, connected (or rejected within 5 s with the reason). It fails
 * fast while Redis is away (no offline queue), so callers answer 503 instead of queueing
 * requests, and reconnects by itself with a backoff of at most 2 s.
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  redis.on('error', () => {}); // ioredis reconnects by itself; its users watch 'close' and 'ready'
  defineFeedScripts(redis);
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
  } catch (error) {
    redis.disconnect();
    throw new Error(`REDIS_URL ${url}: cannot connect to Redis (${(error as Error).message})`);
  }
  return redis;
}
