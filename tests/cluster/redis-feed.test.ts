// The Redis feed's own promises, on a real redis-server: one producer per channel however many
// instances run, Redis connections per instance O(channels) and never O(clients), a race that
// cannot be published past its end, and a Redis that lost its last writes starting a new run
// (readers resync) instead of handing out the same seqs again with other events.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server.ts';
import { clusterSettings, testRedis } from '../helpers/feed-backends.ts';
import { startReader, type Reader } from '../helpers/feed-readers.ts';
import { createChannel, sleep, startTestServer, waitFor } from '../helpers/server.ts';

let admin: Redis;
beforeAll(async () => {
  admin = new Redis((await testRedis()).url);
});
afterAll(() => admin.disconnect());

/** The connections one key prefix's instances hold, by name (<prefix>feed, <prefix>shared, follow:<prefix>…). */
async function connectionsOf(prefix: string): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(prefix) || name.startsWith(`follow:${prefix}`));
}

describe('the feed on Redis', () => {
  it('runs one ticker producer across three instances: the ticker keeps its own rate', async () => {
    const settings = await clusterSettings({ tickerIntervalMs: 50 });
    const servers = await Promise.all([0, 1, 2].map(() => startTestServer(settings)));
    try {
      const ticker = servers[0]!.feed.get('ticker')!;
      await waitFor(() => ticker.latestSeq > 0, 5000, 'the first tick');
      const from = ticker.latestSeq;
      await sleep(2000);
      // 2000 / 50 = 40 ticks; three producers would make about 120.
      expect(ticker.latestSeq - from).toBeGreaterThanOrEqual(30);
      expect(ticker.latestSeq - from).toBeLessThanOrEqual(45);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('holds one reading connection per channel, however many clients read it', async () => {
    const settings = await clusterSettings({ tickerIntervalMs: 100 });
    const prefix = settings.redisPrefix!;
    const server = await startTestServer(settings);
    const readers: Reader[] = [];
    try {
      const channel = await createChannel(server.url, { intervalMs: 50, payloadBytes: 8, durationMs: 10_000 });
      for (let i = 0; i < 100; i++) {
        readers.push(startReader(i % 2 ? 'websocket' : 'sse', { baseUrl: server.url, channel: i % 4 < 2 ? 'ticker' : channel, client: `many-${i}` }));
      }
      await waitFor(() => readers.every((reader) => reader.log.events.length > 0), 10_000, 'every reader receiving');
      const during = await connectionsOf(prefix);
      expect(during.filter((name) => name.startsWith('follow:')).sort()).toEqual([`follow:${prefix}{${channel}}:events`, `follow:${prefix}{ticker}:events`]);
      expect(during.filter((name) => !name.startsWith('follow:')).sort()).toEqual([`${prefix}feed`, `${prefix}shared`]);
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
      await server.close();
    }
  });

  it('never publishes past a race channel\'s last event, whoever tries', async () => {
    const server = await startTestServer(await clusterSettings());
    try {
      const id = await createChannel(server.url, { intervalMs: 20, payloadBytes: 0, durationMs: 200 });
      const channel = server.feed.get(id)!;
      await waitFor(() => channel.latestSeq === 10, 5000, 'the race to end');
      await expect(server.feed.publish(channel, 'one more')).rejects.toThrow(/ENDED/);
      await sleep(100);
      expect(channel.latestSeq).toBe(10);
    } finally {
      await server.close();
    }
  });

  it('starts a new run when Redis comes back with fewer events than a replica holds, so readers resync', async () => {
    const settings = await clusterSettings({ tickerIntervalMs: 3_600_000 });
    const server = await startTestServer(settings);
    try {
      const ticker = server.feed.get('ticker')!;
      for (let i = 0; i < 10; i++) await server.feed.publish(ticker, { n: i });
      await waitFor(() => ticker.latestSeq === 10, 5000, '10 events in the replica');
      const oldRun = ticker.feedId;
      // Redis "loses" its last five writes (as an fsync every second can), then the replica's
      // reading connection drops: it must notice when it reads again.
      const meta = `${settings.redisPrefix}{ticker}:meta`;
      const events = `${settings.redisPrefix}{ticker}:events`;
      await admin.hset(meta, 'seq', 5);
      await admin.xdel(events, '6-0', '7-0', '8-0', '9-0', '10-0');
      await admin.call('XSETID', events, '5-0');
      const reader = startReader('websocket', { baseUrl: server.url, channel: 'ticker', client: 'lost-writes', after: `${oldRun}-10`, reconnect: true });
      await waitFor(() => reader.log.cursor, 5000, 'the reader connected');
      const list = (await admin.client('LIST')) as string;
      const follower = list.split('\n').find((line) => line.includes(`name=follow:${events}`))!;
      await admin.client('KILL', 'ID', /id=(\d+)/.exec(follower)![1]!);
      await waitFor(() => ticker.feedId !== oldRun, 5000, 'a new run of the channel');
      expect(await admin.hget(meta, 'feedId')).toBe(ticker.feedId);
      await server.feed.publish(ticker, { n: 'after' });
      await waitFor(() => reader.log.resyncs > 0 && reader.log.events.some((event) => (event.data as { n: unknown }).n === 'after'), 5000, 'resync, then the new event');
      // Seq 6 of the new run is not mistaken for the lost seq 6 of the old one.
      expect(reader.log.events.at(-1)!.seq).toBe(6);
      await reader.stop();
    } finally {
      await server.close();
    }
  });
});
