import { Redis } from 'ioredis';
import { FeedUnavailableError } from '../feed.ts';
import { FEED_SCRIPTS } from './scripts.ts';

/**
 * A command connection to REDIS_URL, connected (or rejected within 5 s, with the reason). It
 * fails fast while Redis is away (no offline queue), so callers answer 503 instead of queueing
 * requests, and reconnects by itself with a backoff of at most 2 s. The feed's scripts come with
 * it (and with each `duplicate()`); `prepare` runs before connecting (more scripts, listeners).
 */
export async function connectRedis(url: string, connectionName: string, prepare: (redis: Redis) => void = () => {}): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName,
    lazyConnect: true,
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails at once rather than being sent again
    // after the reconnect: a publish resent could be applied twice.
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    scripts: FEED_SCRIPTS,
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
