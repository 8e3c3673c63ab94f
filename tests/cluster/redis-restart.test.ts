// Redis restarting under two instances: while it is away, feed requests get 503
// `feed_unavailable` (with Retry-After) and readers are cut; when it is back, they resume. With
// persistence the run goes on with nothing lost or doubled; without it the stream is gone, and
// readers are told to resync (a new run of the channel) rather than silently losing events.
import { afterAll, describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../src/protocol/feed.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { startReader, type Reader } from '../helpers/feed-readers.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';
import { startRedis, type RedisService } from '../helpers/services.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.allSettled(cleanups.reverse().map((cleanup) => cleanup()));
});

const seqs = (events: FeedEvent[]) => events.map((event) => event.seq);
const consecutive = (values: number[]) => values.every((value, index) => index === 0 || value === values[index - 1]! + 1);

async function cluster(appendonly: boolean): Promise<{ redis: RedisService; servers: RunningServer[] }> {
  const redis = await startRedis({ appendonly });
  cleanups.push(redis.stop);
  const settings = { redisUrl: redis.url, leaseTtlMs: 600, tickerIntervalMs: 50, statsFlushMs: 50 };
  const servers = [await startTestServer(settings), await startTestServer(settings)];
  for (const server of servers) cleanups.push(server.close);
  return { redis, servers };
}

/** Every transport, reading the ticker through each instance, reconnecting as the site's clients do. */
function readAll(servers: RunningServer[], tag: string): Reader[] {
  return TRANSPORTS.flatMap((transport) =>
    servers.map((server, index) => startReader(transport, { baseUrl: server.url, channel: 'ticker', client: `${tag}-${transport}-${index}`, reconnect: true })),
  );
}

async function outage(redis: RedisService, servers: RunningServer[]): Promise<void> {
  await redis.kill();
  // While Redis is away: a clear 503 with Retry-After, for polls and for a WebSocket's handshake alike.
  const reply = await waitFor(async () => {
    const response = await fetch(`${servers[0]!.url}/api/short-poll?channel=ticker`);
    return response.status === 503 ? response : null;
  }, 5000, 'a 503 while Redis is down');
  expect(reply.headers.get('retry-after')).toBe('2');
  expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('feed_unavailable');
  const stats = await fetch(`${servers[1]!.url}/api/stats`);
  expect(stats.status).toBe(503);
  // The instance itself is up, and says where its trouble is.
  const health = (await (await fetch(`${servers[1]!.url}/api/health`)).json()) as { feed: { backend: string; redis: string } };
  expect(health.feed.backend).toBe('redis');
  expect(health.feed.redis).not.toBe('ready');
  await redis.restart();
}

describe('Redis restarting under the cluster', () => {
  it('with persistence: readers of every transport on both instances are cut, then resume with nothing lost, doubled or resynced', async () => {
    const { redis, servers } = await cluster(true);
    const readers = readAll(servers, 'aof');
    try {
      await waitFor(() => readers.every((reader) => reader.log.events.length >= 5), 10_000, 'every reader receiving');
      // Let appendfsync (every second) write what was published before the kill.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const before = Math.max(...readers.map((reader) => reader.log.events.at(-1)!.seq));
      await outage(redis, servers);
      await waitFor(() => readers.every((reader) => (reader.log.events.at(-1)?.seq ?? 0) >= before + 30), 20_000, '30 events after the restart');
      for (const reader of readers) {
        expect(reader.log.resyncs).toBe(0);
        expect(consecutive(seqs(reader.log.events))).toBe(true);
      }
      expect(readers.filter((reader) => reader.log.connections !== undefined).every((reader) => reader.log.connections! > 1)).toBe(true);
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
    }
  });

  it('without persistence: the lost stream starts a new run, and every reader is told to resync instead of silently skipping', async () => {
    const { redis, servers } = await cluster(false);
    const readers = readAll(servers, 'lost');
    try {
      await waitFor(() => readers.every((reader) => reader.log.events.length >= 5), 10_000, 'every reader receiving');
      const oldRun = servers[0]!.feed.get('ticker')!.feedId;
      await outage(redis, servers);
      await waitFor(() => servers.every((server) => server.feed.get('ticker')!.feedId !== oldRun), 10_000, 'a new run of the ticker');
      await waitFor(() => readers.every((reader) => reader.log.resyncs > 0 && reader.log.events.at(-1)!.seq >= 20), 20_000, 'resync and 20 events of the new run');
      for (const reader of readers) {
        // Each run counts up with no repeat; the only step back is where the resync was signalled.
        const values = seqs(reader.log.events);
        const restarts = values.filter((value, index) => index > 0 && value <= values[index - 1]!);
        expect(restarts.length).toBeLessThanOrEqual(reader.log.resyncs);
      }
      expect(new Set(servers.map((server) => server.feed.get('ticker')!.feedId)).size).toBe(1);
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
    }
  });
});
