import { Redis } from 'ioredis';
import { FeedUnavailableError } from '../feed.ts';

/**
 * A command connection to REDIS_URL, connected (or rejected within a few seconds, with the
 * reason). It fails fast while Redis is away, so callers answer 503 instead of queueing
 * requests; ioredis reconnects by itself. `prepare` runs before connecting (scripts, listeners).
 */
export async function connectRedis(url: string, connectionName: string, prepare: (redis: Redis) => void = () => {}): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  redis.on('error', () => {}); // reconnects by itself; commands fail meanwhile and say so
  prepare(redis);
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

/** Runs a command, turning "Redis is not there" (`available` false before or after) into FeedUnavailableError. */
export async function unlessUnavailable<T>(available: () => boolean, run: () => Promise<T>): Promise<T> {
  if (!available()) throw new FeedUnavailableError('the shared feed (Redis) is unreachable');
  try {
    return await run();
  } catch (error) {
    if (!available()) throw new FeedUnavailableError('the shared feed (Redis) is unreachable');
    throw error;
  }
}
