import { Redis } from 'ioredis';
import { FEED_SCRIPTS } from './scripts.ts';

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
    // A command in flight when the connection drops fails at once rather than being sent again
    // after the reconnect: a publish resent could be applied twice.
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    scripts: FEED_SCRIPTS,
  });
  redis.on('error', () => {}); // ioredis reconnects by itself; its users watch 'close' and 'ready'
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
