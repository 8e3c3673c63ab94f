import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomAggregate, RoomCreated } from '../../src/protocol/rooms.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { readLessons } from '../helpers/lessons.ts';
import { createRoom, get, Phone, post, roomData } from '../helpers/rooms.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

const PHONES_PER_TRANSPORT = 40;
const PHONES = PHONES_PER_TRANSPORT * TRANSPORTS.length;
// 40 short polls every 30 ms from one address are far above the default request rate.
const LOAD = { requestsPerSecondPerAddress: 1_000_000 };

const isConsecutive = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

describe('rooms: a classroom of phones on every transport', () => {
  let server: RunningServer;
  let room: RoomCreated;
  let phones: Phone[];
  const api = (path = '') => `${server.url}/api/rooms/${room.room}${path}`;
  const teacher = (action: string, body: unknown = {}) => post(api(`/${action}`), body, room.teacherKey);
  const aggregate = async () => (await get<RoomAggregate>(api())).body;

  beforeAll(async () => {
    server = await startTestServer(LOAD);
    room = await createRoom(server.url);
    phones = TRANSPORTS.flatMap((transport) =>
      Array.from({ length: PHONES_PER_TRANSPORT }, (_, i) => new Phone(server.url, room, `phone-${transport}-${i}`, transport)),
    );
  });
  afterAll(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    await server.close();
  });

  it('opens a room with a short unambiguous code, a 128-bit teacher key and a join URL', () => {
    expect(room.room).toMatch(/^[2-9A-HJKMNP-Z]{5}$/);
    expect(Buffer.from(room.teacherKey, 'base64url')).toHaveLength(16);
    expect(room.joinUrl).toBe(`${server.url}/zh/classroom/join/?room=${room.room}`);
    // The test server listens on 127.0.0.1: the page must tell the teacher phones cannot reach it.
    expect(room.reachable).toBe(false);
    expect(room.reason).toContain('HOST=0.0.0.0');
  });

  it(`lets ${PHONES} phones join on the transport each asks for, and counts them per transport`, async () => {
    const replies = await Promise.all(phones.map((phone) => phone.join()));
    for (const [i, reply] of replies.entries()) {
      expect(reply.status).toBe(200);
      expect(reply.body.transport).toBe(phones[i]!.transport);
      expect(reply.body.channel).toBe(room.channel);
      phones[i]!.read(reply.body.cursor);
    }
    const { members } = await aggregate();
    expect(members).toEqual(Object.fromEntries(TRANSPORTS.map((name) => [name, PHONES_PER_TRANSPORT])));
  });

  it('delivers one buzz to every phone exactly once, and the aggregate counts the delays the phones reported', async () => {
    const buzz = await teacher('buzz');
    expect(buzz.status).toBe(200);
    const buzzesOf = (phone: Phone) => phone.events.filter((event) => roomData(event).kind === 'buzz');
    await waitFor(() => phones.every((phone) => buzzesOf(phone).length > 0), 20_000, 'the buzz on every phone');
    const reports = await Promise.all(
      phones.map((phone) => {
        const event = buzzesOf(phone)[0]!;
        expect(roomData(event)).toEqual({ kind: 'buzz', id: buzz.body.id });
        return post(api('/reports'), { client: phone.client, seq: event.seq, delayMs: Date.now() - event.at });
      }),
    );
    expect(reports.map((reply) => reply.body)).toEqual(phones.map(() => ({ counted: true })));
    // A second buzz, seen by everyone, proves nothing of the first was still on its way.
    const second = await teacher('buzz');
    await waitFor(() => phones.every((phone) => buzzesOf(phone).length === 2), 20_000, 'the second buzz on every phone');
    for (const phone of phones) expect(buzzesOf(phone).map((event) => event.seq)).toEqual([buzz.body.seq, second.body.seq]);

    const { buzzes, ledger } = await aggregate();
    const first = buzzes.find((b) => b.seq === buzz.body.seq)!;
    for (const transport of TRANSPORTS) {
      expect(first.delays[transport]).toHaveLength(PHONES_PER_TRANSPORT);
      expect(ledger[transport].requests).toBeGreaterThanOrEqual(PHONES_PER_TRANSPORT);
    }
    expect(JSON.stringify(await aggregate())).not.toContain('phone-');
  });

  it('ignores a second report of the same buzz by the same client', async () => {
    const { buzzes } = await aggregate();
    const phone = phones[0]!;
    const again = await post(api('/reports'), { client: phone.client, seq: buzzes[0]!.seq, delayMs: 1 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ counted: false });
    expect((await aggregate()).buzzes[0]!.delays[phone.transport]).toHaveLength(PHONES_PER_TRANSPORT);
  });

  it('loses no event on any transport when the teacher cuts every connection mid-stream, and every reader resumes', async () => {
    const stream = await teacher('stream', { perSecond: 20, seconds: 3 });
    expect(stream.body).toEqual({ events: 60 });
    const streamIndexes = (phone: Phone) => phone.events.flatMap((event) => { const data = roomData(event); return data.kind === 'stream' ? [data.index] : []; });
    await waitFor(() => phones.every((phone) => streamIndexes(phone).length >= 5), 20_000, 'five stream events on every phone');
    const cut = await teacher('cut');
    expect(cut.status).toBe(200);
    const openAtCut = phones.filter((phone) => phone.reconnects).length;
    expect(cut.body.disconnected).toBeGreaterThanOrEqual(openAtCut);
    await Promise.all(phones.filter((phone) => phone.reconnects).map((phone) => phone.resume()));
    await waitFor(() => phones.every((phone) => streamIndexes(phone).at(-1) === 60), 30_000, 'the whole stream on every phone');
    for (const phone of phones) {
      expect(isConsecutive(phone.events.map((event) => event.seq)), `${phone.client} has a gap or a repeat`).toBe(true);
      expect(streamIndexes(phone)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(phone.events.filter((event) => roomData(event).kind === 'cut')).toHaveLength(1);
      expect(phone.resyncs).toBe(0);
    }
    expect((await aggregate()).stream).toBeNull();
  });

  it('files each phone\'s report of the cut (recovery time and gaps) under its transport, once per phone', async () => {
    const cutEvent = (phone: Phone) => phone.events.find((event) => roomData(event).kind === 'cut')!;
    const reports = await Promise.all(
      phones.map((phone) => {
        const event = cutEvent(phone);
        const data = roomData(event) as { kind: 'cut'; id: number };
        return post(api('/reports'), { client: phone.client, cut: data.id, recoveryMs: 12.5, gaps: 0 });
      }),
    );
    expect(reports.map((reply) => reply.body)).toEqual(phones.map(() => ({ counted: true })));
    const id = (roomData(cutEvent(phones[0]!)) as { id: number }).id;
    expect((await post(api('/reports'), { client: phones[0]!.client, cut: id, recoveryMs: 1, gaps: 3 })).body).toEqual({ counted: false });
    const cut = (await aggregate()).cuts.find((c) => c.id === id)!;
    expect(cut.seq).toBe(cutEvent(phones[0]!).seq);
    for (const transport of TRANSPORTS) {
      expect(cut.recoveries[transport]).toEqual(Array.from({ length: PHONES_PER_TRANSPORT }, () => 12.5));
      expect(cut.gaps[transport]).toBe(0);
    }
    expect((await post(api('/reports'), { client: phones[0]!.client, cut: 999, recoveryMs: 1, gaps: 0 })).status).toBe(404);
  });

  it('counts a phone that joins again as the same member, and moves it when it asks for another transport', async () => {
    const before = (await aggregate()).members;
    await Promise.all(phones.map((phone) => phone.join()));
    expect((await aggregate()).members).toEqual(before);
    const [from, to] = TRANSPORTS;
    const moved = await post(api('/join'), { client: phones[0]!.client, transport: to });
    expect(moved.body.transport).toBe(to);
    expect((await aggregate()).members).toEqual({ ...before, [from!]: before[from!] - 1, [to!]: before[to!] + 1 });
    await post(api('/join'), { client: phones[0]!.client, transport: from });
  });

  it('carries a lesson question to every phone and counts the answers, one per client', async () => {
    const lessonQuestion = readLessons().flatMap((lesson) => lesson.frontmatter.questions).find((q) => q.kind === 'choice')!;
    // The helper types only what other tests read; a lesson question has its prompt too.
    const { id, prompt, choices } = lessonQuestion as unknown as { id: string; prompt: string; choices: string[] };
    const pushed = await teacher('question', { id, prompt, choices });
    expect(pushed.status).toBe(200);
    await waitFor(() => phones.every((phone) => phone.events.some((e) => e.seq === pushed.body.seq)), 20_000, 'the question on every phone');
    for (const phone of phones) expect(roomData(phone.events.find((e) => e.seq === pushed.body.seq)!)).toEqual({ kind: 'question', id, prompt, choices });
    const answers = await Promise.all(phones.map((phone, i) => post(api('/reports'), { client: phone.client, question: id, answer: i % 2 })));
    expect(answers.every((reply) => reply.body.counted === true)).toBe(true);
    const repeat = await post(api('/reports'), { client: phones[0]!.client, question: id, answer: 1 });
    expect(repeat.body).toEqual({ counted: false });
    const counted = (await aggregate()).questions.find((q) => q.id === id)!;
    expect(counted.counts).toEqual({ 0: PHONES / 2, 1: PHONES / 2 });
  });

  it('switches everyone to one transport and back, and tells the phones with a switch event', async () => {
    const last = TRANSPORTS.at(-1)!;
    const switched = await teacher('switch', { transport: last, pollIntervalMs: 500 });
    expect(switched.body).toEqual({ transport: last, pollIntervalMs: 500 });
    expect((await aggregate()).members).toEqual(Object.fromEntries(TRANSPORTS.map((name) => [name, name === last ? PHONES : 0])));
    const seen = (phone: Phone) => phone.events.some((e) => { const d = roomData(e); return d.kind === 'switch' && d.transport === last && d.pollIntervalMs === 500; });
    await waitFor(() => phones.every(seen), 20_000, 'the switch on every phone');
    const newcomer = await post(api('/join'), { client: 'newcomer' });
    expect(newcomer.body.transport).toBe(last);
    await teacher('switch', { transport: null });
    const { members } = await aggregate();
    expect(Object.values(members).reduce((a, b) => a + b)).toBe(PHONES + 1);
    expect(Math.max(...Object.values(members)) - Math.min(...Object.values(members))).toBeLessThanOrEqual(1);
  });

  describe('refusals', () => {
    it('answers 401 JSON to a teacher action without the key or with a wrong one', async () => {
      for (const key of [undefined, 'not-the-key', `${room.teacherKey}x`]) {
        const reply = await post(api('/buzz'), {}, key);
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('unauthorized');
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      }
    });

    it('answers 404 JSON for an unknown room', async () => {
      for (const reply of [
        await get(`${server.url}/api/rooms/ZZZZZ`),
        await post(`${server.url}/api/rooms/ZZZZZ/join`, { client: 'x' }),
        await post(`${server.url}/api/rooms/ZZZZZ/buzz`, {}, room.teacherKey),
        await post(`${server.url}/api/rooms/no-such-code/reports`, { client: 'x', seq: 1, delayMs: 1 }),
      ]) {
        expect(reply.status).toBe(404);
        expect(reply.body.error.code).toBe('not_found');
      }
    });

    it.each([
      ['join', 'not json', undefined],
      ['join', { client: 'bad id!' }, undefined],
      ['join', { client: 'a', transport: 'carrier-pigeon' }, undefined],
      ['join', { client: 'a', extra: 1 }, undefined],
      ['reports', { client: 'phone-x', seq: 1 }, undefined],
      ['reports', { client: 'a', seq: 1, delayMs: 'soon' }, undefined],
      ['reports', { client: 'a', cut: 1, recoveryMs: -5, gaps: 0 }, undefined],
      ['reports', { client: 'a', cut: 1, recoveryMs: 5, gaps: 0.5 }, undefined],
      ['stream', { perSecond: 21, seconds: 1 }, 'key'],
      ['stream', { perSecond: 1, seconds: 61 }, 'key'],
      ['switch', {}, 'key'],
      ['switch', { transport: 'carrier-pigeon' }, 'key'],
      ['question', { id: 'Q 1', prompt: 'p' }, 'key'],
      ['question', { id: 'q', prompt: 'p', choices: ['only one'] }, 'key'],
      ['buzz', { surprise: true }, 'key'],
    ])('answers 400 JSON to a bad %s body: %j', async (action, body, asTeacher) => {
      const reply = await post(api(`/${action}`), body, asTeacher ? room.teacherKey : undefined);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('bad_body');
    });

    it('answers 404 to a report from a client that never joined, or about a seq that is no buzz', async () => {
      expect((await post(api('/reports'), { client: 'stranger', seq: 1, delayMs: 5 })).status).toBe(404);
      expect((await post(api('/reports'), { client: phones[0]!.client, seq: 999_999, delayMs: 5 })).status).toBe(404);
    });

    it('answers 429 with Retry-After past the cap on rooms and on members', async () => {
      const small = await startTestServer({ maxRooms: 2, roomMaxMembers: 2 });
      try {
        const first = await createRoom(small.url);
        await createRoom(small.url);
        const third = await post(`${small.url}/api/rooms`);
        expect(third.status).toBe(429);
        expect(third.body.error.code).toBe('too_many_rooms');
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
        const join = (client: string) => post(`${small.url}/api/rooms/${first.room}/join`, { client });
        expect((await join('a')).status).toBe(200);
        expect((await join('b')).status).toBe(200);
        const full = await join('c');
        expect(full.status).toBe(429);
        expect(full.body.error.code).toBe('room_full');
        expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await join('a')).status).toBe(200); // a member joining again is no new member
      } finally {
        await small.close();
      }
    });
  });
});

describe('rooms: assignment', () => {
  it('spreads phones that ask for nothing evenly over the catalog', async () => {
    const server = await startTestServer();
    try {
      const room = await createRoom(server.url);
      for (let i = 0; i < 2 * TRANSPORTS.length; i++) await post(`${server.url}/api/rooms/${room.room}/join`, { client: `p${i}` });
      const { members } = (await get<RoomAggregate>(`${server.url}/api/rooms/${room.room}`)).body;
      expect(members).toEqual(Object.fromEntries(TRANSPORTS.map((name) => [name, 2])));
    } finally {
      await server.close();
    }
  });
});
