// Classroom rooms across three instances sharing one redis-server (REDIS_URL): a room is a log
// in Redis that every instance folds, so whichever instance a request goes through (nginx
// round-robin in production), the room, its members and its reports are the same.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomAggregate, RoomCreated } from '../../src/protocol/rooms.ts';
import { TRANSPORTS, transportSpec } from '../../src/protocol/transports.ts';
import { loadConfig } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/server.ts';
import { createRoom, get, Phone, post, roomData } from '../helpers/rooms.ts';
import { waitFor } from '../helpers/server.ts';
import { startRedis, type RedisService } from '../helpers/services.ts';

const PHONES = 100;
const IDLE_MS = 3000;
const isConsecutive = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);
const total = (values: Record<string, number[]>) => Object.values(values).flat().length;

describe('rooms across instances sharing one Redis', () => {
  let redis: RedisService;
  let servers: RunningServer[] = [];
  let room: RoomCreated;
  let phones: Phone[] = [];
  let projector: NodeJS.Timeout | undefined;
  const at = (i: number) => servers[i % servers.length]!;
  const api = (i: number, path = '') => `${at(i).url}/api/rooms/${room.room}${path}`;
  const teacher = (i: number, action: string, body: unknown = {}) => post(api(i, `/${action}`), body, room.teacherKey);
  const everywhere = () => Promise.all(servers.map(async (_, i) => (await get<RoomAggregate>(api(i))).body));
  const kindsOf = (phone: Phone, kind: string) => phone.events.filter((event) => roomData(event).kind === kind);

  beforeAll(async () => {
    redis = await startRedis();
    const config = loadConfig({ port: 0, redisUrl: redis.url, tickerIntervalMs: 1000, roomIdleMs: IDLE_MS, requestsPerSecondPerAddress: 1_000_000, staticDir: 'dist' });
    servers = await Promise.all([0, 1, 2].map(() => startServer(config)));
    room = await createRoom(at(0).url);
    // The projector asks for the aggregate every half second, as the teacher's page does: it keeps the room alive.
    projector = setInterval(() => void get(api(Math.floor(Math.random() * 3))).catch(() => {}), 500);
  });
  afterAll(async () => {
    clearInterval(projector);
    await Promise.all(phones.map((phone) => phone.stop()));
    await Promise.allSettled(servers.map((server) => server.close()));
    await redis?.stop();
  });

  it(`lets ${PHONES} phones join round-robin through every instance, balanced over the transports, and read on their own instance`, async () => {
    const joins = await Promise.all(Array.from({ length: PHONES }, (_, i) => post(api(i, '/join'), { client: `phone-${i}` })));
    expect(joins.map((reply) => reply.status)).toEqual(joins.map(() => 200));
    phones = joins.map((reply, i) => new Phone(at(i).url, room, `phone-${i}`, reply.body.transport));
    joins.forEach((reply, i) => phones[i]!.read(reply.body.cursor));
    const balanced = Object.fromEntries(TRANSPORTS.map((name) => [name, PHONES / TRANSPORTS.length]));
    for (const aggregate of await everywhere()) expect(aggregate.members).toEqual(balanced);
  });

  it('delivers a buzz sent through B to every phone exactly once, and counts each delay once whichever instance it is reported to', async () => {
    const buzz = await teacher(1, 'buzz');
    expect(buzz.status).toBe(200);
    await waitFor(() => phones.every((phone) => kindsOf(phone, 'buzz').length === 1), 20_000, 'the buzz on every phone');
    const reports = await Promise.all(phones.map((phone, i) => post(api(i + 1, '/reports'), { client: phone.client, seq: buzz.body.seq, delayMs: 10 + (i % 7) })));
    expect(reports.map((reply) => reply.body)).toEqual(phones.map(() => ({ counted: true })));
    // A retry through yet another instance is recognised.
    expect((await post(api(2, '/reports'), { client: phones[0]!.client, seq: buzz.body.seq, delayMs: 1 })).body).toEqual({ counted: false });
    const aggregates = await everywhere();
    for (const aggregate of aggregates) {
      expect(aggregate.members).toEqual(aggregates[0]!.members);
      expect(aggregate.buzzes).toHaveLength(1);
      expect(aggregate.buzzes[0]).toMatchObject({ id: buzz.body.id, seq: buzz.body.seq });
      expect(total(aggregate.buzzes[0]!.delays)).toBe(PHONES);
    }
    for (const phone of phones) expect(kindsOf(phone, 'buzz')).toHaveLength(1);
  });

  it('counts answers to a question pushed through C, sent through A and B, the same on every instance', async () => {
    const question = await teacher(2, 'question', { id: 'cluster-q', prompt: 'Which?', choices: ['a', 'b', 'c'] });
    expect(question.status).toBe(200);
    await waitFor(() => phones.every((phone) => kindsOf(phone, 'question').length === 1), 20_000, 'the question on every phone');
    const answers = await Promise.all(phones.map((phone, i) => post(api(i % 2, '/reports'), { client: phone.client, question: 'cluster-q', answer: i % 3 })));
    expect(answers.every((reply) => reply.body.counted === true)).toBe(true);
    const expected = { '0': 34, '1': 33, '2': 33 };
    for (const aggregate of await everywhere()) expect(aggregate.questions.find((q) => q.id === 'cluster-q')!.counts).toEqual(expected);
  });

  it('cuts the phones on every instance with a cut sent through A mid-stream; they resume with no gap, and every instance counts the stream', async () => {
    const stream = await teacher(1, 'stream', { perSecond: 10, seconds: 3 });
    expect(stream.body).toEqual({ events: 30 });
    const streamIndexes = (phone: Phone) => phone.events.flatMap((event) => { const data = roomData(event); return data.kind === 'stream' ? [data.index] : []; });
    await waitFor(() => phones.every((phone) => streamIndexes(phone).length >= 3), 20_000, 'three stream events on every phone');
    for (const aggregate of await everywhere()) expect(aggregate.stream).toMatchObject({ perSecond: 10, of: 30, sent: expect.any(Number) });
    expect(Math.min(...(await everywhere()).map((aggregate) => aggregate.stream!.sent))).toBeGreaterThanOrEqual(3);

    const cut = await teacher(0, 'cut');
    expect(cut.status).toBe(200);
    // Every instance dropped its own stream and socket readers of the room, not just A.
    const held = TRANSPORTS.filter((name) => transportSpec(name).kind !== 'poll');
    await waitFor(() => servers.every((server) => held.every((name) => server.ledger.stats(null).transports[name].openConnections === 0)), 10_000, 'every instance to cut its readers');
    await Promise.all(phones.filter((phone) => phone.reconnects).map((phone) => phone.resume()));
    await waitFor(() => phones.every((phone) => streamIndexes(phone).at(-1) === 30), 30_000, 'the whole stream on every phone');
    for (const phone of phones) {
      expect(isConsecutive(phone.events.map((event) => event.seq)), `${phone.client} has a gap or a repeat`).toBe(true);
      expect(streamIndexes(phone)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(kindsOf(phone, 'cut')).toHaveLength(1);
      expect(phone.resyncs).toBe(0);
    }
    const cutId = (roomData(kindsOf(phones[0]!, 'cut')[0]!) as { id: number }).id;
    const reports = await Promise.all(phones.map((phone, i) => post(api(i + 2, '/reports'), { client: phone.client, cut: cutId, recoveryMs: 20, gaps: 0 })));
    expect(reports.every((reply) => reply.body.counted === true)).toBe(true);
    for (const aggregate of await everywhere()) {
      expect(aggregate.stream).toBeNull();
      expect(total(aggregate.cuts.find((c) => c.id === cutId)!.recoveries)).toBe(PHONES);
    }
  });

  it('stops a stream running on A when a new one is started through B', async () => {
    const first = await teacher(0, 'stream', { perSecond: 10, seconds: 60 });
    expect(first.status).toBe(200);
    expect(at(0).rooms.activeTimers).toBe(2); // the sweep and the stream
    const second = await teacher(1, 'stream', { perSecond: 10, seconds: 1 });
    expect(second.status).toBe(200);
    await waitFor(() => at(0).rooms.activeTimers === 1 && at(1).rooms.activeTimers === 1, 10_000, 'both streams to stop');
    const [latest] = await everywhere();
    expect(latest!.stream).toBeNull(); // the second one sent all 10 of its events
  });

  it('counts a report that arrives before the operation recording its buzz is logged', async () => {
    const phone = phones[0]!;
    const room0 = (await at(1).rooms.get(room.room))!;
    // What a buzz does, with a pause between its event and its operation.
    const event = await at(1).feed.publish(room0.channel, { kind: 'buzz', id: 1000 });
    const early = post(api(2, '/reports'), { client: phone.client, seq: event.seq, delayMs: 4 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await room0.log.append({ type: 'buzz', id: 1000, seq: event.seq, at: event.at });
    expect((await early).body).toEqual({ counted: true });
    for (const aggregate of await everywhere()) expect(total(aggregate.buzzes.find((buzz) => buzz.id === 1000)!.delays)).toBe(1);
  });

  it('answers 404 for an unknown room on every instance', async () => {
    for (const server of servers) {
      expect((await get(`${server.url}/api/rooms/ZZZZZ`)).status).toBe(404);
      expect((await post(`${server.url}/api/rooms/ZZZZZ/join`, { client: 'nobody' })).status).toBe(404);
    }
  });

  it('ends a room idle past ROOM_IDLE_MS on every instance', async () => {
    const idle = await createRoom(at(2).url);
    for (let i = 0; i < 3; i++) expect((await post(`${at(i).url}/api/rooms/${idle.room}/join`, { client: `idle-${i}` })).status).toBe(200);
    expect(servers.every((server) => server.feed.get(idle.channel) !== undefined)).toBe(true);
    // No request names it from now on (asking would keep it alive): every instance lets its copy go.
    await waitFor(() => servers.every((server) => server.feed.get(idle.channel) === undefined), IDLE_MS + 10_000, 'the idle room to end everywhere');
    for (const server of servers) expect((await get(`${server.url}/api/rooms/${idle.room}`)).status).toBe(404);
    // The room the projector keeps asking about lives on.
    for (const aggregate of await everywhere()) expect(aggregate.room).toBe(room.room);
    // Nothing of a room stays in Redis for good: its log, ids and channel keys all expire.
    const client = new Redis(redis.url);
    try {
      expect(await client.exists(`rt:{room:${idle.room}}:log`)).toBe(0);
      // Everything a room left behind expires; the ticker and the ledger's totals are the deployment's.
      const keys = (await client.keys('rt:*')).filter((key) => !key.startsWith('rt:{ticker}') && key !== 'rt:ledger:total');
      expect(keys).toContain(`rt:{room:${room.room}}:log`);
      // -1 would be a key with no expiry; -2 is one that expired since KEYS listed it (a rate window).
      for (const key of keys) expect(await client.pttl(key), key).not.toBe(-1);
    } finally {
      client.disconnect();
    }
  });

  it('answers 503 feed_unavailable, not 500, while Redis is unreachable', async () => {
    await redis.kill();
    const replies = await Promise.all(servers.flatMap((_, i) => [get(api(i)), post(api(i, '/join'), { client: 'late' }), post(`${at(i).url}/api/rooms/YYYYY/join`, { client: 'late' })]));
    for (const reply of replies) {
      expect(reply.status).toBe(503);
      expect(reply.body.error.code).toBe('feed_unavailable');
    }
  });
});
