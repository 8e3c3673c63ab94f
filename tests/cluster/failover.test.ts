// Three instances of server/main.ts on one real redis-server, behind deploy/nginx.conf: cursors
// work on any instance, the ticker's producer fails over with no seq gap, and a reader whose
// instance is killed (SIGKILL) reconnects through nginx to another and resumes from its cursor
// with nothing lost or repeated.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedEvent, PollReply } from '../../src/protocol/feed.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { startReader, type Reader } from '../helpers/feed-readers.ts';
import { sleep, waitFor } from '../helpers/server.ts';
import { startInstance, startNginx, startRedis, type InstanceService, type NginxService, type RedisService } from '../helpers/services.ts';

const TICKER_INTERVAL_MS = 50;
const LEASE_TTL_MS = 600;
const PREFIX = 'failover:';

let redis: RedisService;
let instances: InstanceService[] = [];
let nginx: NginxService;
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  stoppers.push(redis.stop);
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, TICKER_INTERVAL_MS: String(TICKER_INTERVAL_MS), LEASE_TTL_MS: String(LEASE_TTL_MS) };
  instances = await Promise.all([0, 1, 2].map(() => startInstance({ env })));
  for (const instance of instances) stoppers.push(instance.stop);
  nginx = await startNginx({ upstreamPorts: instances.map((instance) => instance.port) });
  stoppers.push(nginx.stop);
});

afterAll(async () => {
  await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
});

const seqs = (events: FeedEvent[]) => events.map((event) => event.seq);

/** True when `values` counts up by one with no gap and no repeat. */
const consecutive = (values: number[]) => values.every((value, index) => index === 0 || value === values[index - 1]! + 1);

async function poll(baseUrl: string, after: string): Promise<PollReply> {
  const response = await fetch(`${baseUrl}/api/long-poll?channel=ticker&client=alternating&timeout=2000&after=${after}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PollReply;
}

/** The instance whose process holds the ticker's lease (its value is "<pid>-<random>"). */
async function tickerProducer(): Promise<InstanceService> {
  const client = new Redis(redis.url);
  try {
    const owner = await waitFor(() => client.get(`${PREFIX}{ticker}:lease`), 5000, 'a ticker lease holder');
    return instances.find((instance) => owner.startsWith(`${instance.pid}-`))!;
  } finally {
    client.disconnect();
  }
}

describe('a cluster of three instances on Redis', () => {
  it('hands out the same events and cursors on every instance: a long poll alternating between them gets each event once', async () => {
    let cursor = (await poll(instances[0]!.url, '0')).cursor;
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) {
      const reply = await poll(instances[i % instances.length]!.url, cursor);
      expect(reply.resync).toBe(false);
      seen.push(...seqs(reply.events));
      cursor = reply.cursor;
    }
    expect(seen.length).toBeGreaterThanOrEqual(30);
    expect(consecutive(seen)).toBe(true);
  });

  it('SIGKILL of the ticker producer: the ticker goes on with no seq gap, and readers of every transport behind nginx resume from their cursor', async () => {
    const victim = await tickerProducer();
    // Three readers per transport through nginx's round-robin: some land on the victim.
    const readers: Reader[] = TRANSPORTS.flatMap((transport) =>
      [0, 1, 2].map((index) =>
        startReader(transport, { baseUrl: nginx.url, channel: 'ticker', client: `kill-${transport}-${index}`, reconnect: true, timestamps: true }),
      ),
    );
    try {
      await waitFor(() => readers.every((reader) => reader.log.events.length >= 5), 10_000, 'every reader receiving');
      await victim.kill();
      stoppers.splice(stoppers.indexOf(victim.stop), 1);
      const survivors = instances.filter((instance) => instance !== victim);
      const killedAt = Math.max(...readers.map((reader) => reader.log.events.at(-1)!.seq));
      // Another instance takes the lease (within about 4/3 of its ttl) and the ticker goes on.
      await waitFor(() => readers.every((reader) => (reader.log.events.at(-1)?.seq ?? 0) >= killedAt + 40), 20_000, '40 more events everywhere');
      for (const reader of readers) {
        expect(consecutive(seqs(reader.log.events))).toBe(true);
        expect(reader.log.resyncs).toBe(0);
      }
      // The longest silence any reader saw: the lease's expiry plus one attempt and a tick, not more.
      const arrivals = readers.map((reader) => reader.log.receivedAt!);
      const longestGap = Math.max(...arrivals.flatMap((times) => times.slice(1).map((time, i) => time - times[i]!)));
      expect(longestGap).toBeLessThan(LEASE_TTL_MS * 2 + 1000);
      // Streams and sockets that were on the victim connected again.
      expect(readers.some((reader) => (reader.log.connections ?? 1) > 1)).toBe(true);
      expect(instances.includes(await tickerProducer())).toBe(true);
      expect(survivors).toContain(await tickerProducer());
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
    }
  });

  it('a race channel created through one instance is finished by another when its creator dies', async () => {
    const [creator, other] = instances.filter((instance) => stoppers.includes(instance.stop));
    const response = await fetch(`${creator!.url}/api/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ intervalMs: 20, payloadBytes: 8, durationMs: 3000 }),
    });
    const { channel } = (await response.json()) as { channel: string };
    const reader = startReader('websocket', { baseUrl: other!.url, channel, client: 'race-failover', after: '0' });
    try {
      await waitFor(() => reader.log.events.length >= 20, 10_000, '20 race events');
      await creator!.kill();
      stoppers.splice(stoppers.indexOf(creator!.stop), 1);
      // floor(3000 / 20) = 150 events, exactly, whoever published them.
      await waitFor(() => reader.log.events.at(-1)?.seq === 150, 20_000, 'the race to its last event');
      await sleep(300);
      expect(seqs(reader.log.events)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    } finally {
      await reader.stop();
    }
  });
});
