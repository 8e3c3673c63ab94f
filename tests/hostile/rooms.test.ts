import { describe, expect, it } from 'vitest';
import type { RoomCreated } from '../../src/protocol/rooms.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { createRoom, get, post } from '../helpers/rooms.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

// Attacks on classroom rooms (issue #10): caps, report floods, oversized and malformed
// bodies, and rooms that end while they still have a stream running and readers attached.

describe('rooms under attack', () => {
  it('caps the rooms one address may open (429 with Retry-After) and gives them back when they expire', async () => {
    const server = await startTestServer({ roomsPerAddress: 3, roomIdleMs: 1000 });
    try {
      const rooms = [await createRoom(server.url), await createRoom(server.url), await createRoom(server.url)];
      const refused = await post(`${server.url}/api/rooms`);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('too_many_rooms');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      await waitFor(() => server.rooms.size === 0, 10_000, 'the idle rooms to end');
      for (const room of rooms) expect((await get(`${server.url}/api/rooms/${room.room}`)).status).toBe(404);
      expect((await post(`${server.url}/api/rooms`)).status).toBe(201);
    } finally {
      await server.close();
    }
  });

  it('takes no more members than ROOM_MAX_MEMBERS from a flood of client ids', async () => {
    const server = await startTestServer({ roomMaxMembers: 50 });
    try {
      const room = await createRoom(server.url);
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => post(`${server.url}/api/rooms/${room.room}/join`, { client: `flood-${i}` })));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(50);
      expect(replies.filter((r) => r.status === 429 && r.body.error.code === 'room_full')).toHaveLength(150);
      const { members } = (await get(`${server.url}/api/rooms/${room.room}`)).body;
      expect(Object.values(members as Record<string, number>).reduce((a, b) => a + b)).toBe(50);
    } finally {
      await server.close();
    }
  });

  it('rate-limits one client’s reports (429 with Retry-After) without slowing another client', async () => {
    const server = await startTestServer({ roomReportsPerSecondPerClient: 1 });
    try {
      const room = await createRoom(server.url);
      const api = (path: string) => `${server.url}/api/rooms/${room.room}${path}`;
      await post(api('/join'), { client: 'noisy' });
      await post(api('/join'), { client: 'quiet' });
      const { seq } = (await post(api('/buzz'), {}, room.teacherKey)).body;
      // One report a second averaged over 10 s: ten pass, the rest are refused.
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) statuses.push((await post(api('/reports'), { client: 'noisy', seq, delayMs: i })).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(statuses.slice(10)).toEqual(Array(5).fill(429));
      const refused = await post(api('/reports'), { client: 'noisy', seq, delayMs: 1 });
      expect(refused.body.error.code).toBe('too_many_requests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await post(api('/reports'), { client: 'quiet', seq, delayMs: 1 })).body).toEqual({ counted: true });
      // Only the first report of each client was counted.
      const [buzz] = (await get(api(''))).body.buzzes;
      expect(Object.values(buzz.delays as Record<string, number[]>).flat()).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('refuses oversized bodies with 413 JSON, with or without Content-Length', async () => {
    const server = await startTestServer();
    try {
      const room = await createRoom(server.url);
      const big = JSON.stringify({ id: 'q', prompt: 'x'.repeat(20_000) });
      const sized = await post(`${server.url}/api/rooms/${room.room}/question`, big, room.teacherKey);
      expect(sized.status).toBe(413);
      expect(sized.body.error.code).toBe('payload_too_large');
      const chunks = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(`${'x'.repeat(1000)}`));
          controller.close();
        },
      });
      const chunked = await fetch(`${server.url}/api/rooms/${room.room}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    } finally {
      await server.close();
    }
  });

  it('never crashes on malformed bodies and paths: every answer is a JSON 4xx', async () => {
    const server = await startTestServer();
    try {
      const room = await createRoom(server.url);
      const bodies: unknown[] = [
        'null', '[]', '"text"', '1e999', '{"client":', '{"__proto__":{"polluted":1},"client":"a"}',
        '['.repeat(5000) + ']'.repeat(5000), { client: 'a', seq: -1, delayMs: 1 }, { client: 'a', seq: 1, delayMs: 1e308 },
        { client: 'a', question: 'q', answer: null }, { perSecond: 1.5, seconds: 1 }, { transport: 7 }, { choices: 'x' },
      ];
      const paths = [
        ...['join', 'reports', 'buzz', 'stream', 'switch', 'cut', 'question'].map((action) => `/api/rooms/${room.room}/${action}`),
        '/api/rooms/%00%ff/join', `/api/rooms/${'A'.repeat(5000)}/join`, '/api/rooms/..%2F..%2Fetc/reports',
      ];
      for (const path of paths) {
        for (const body of bodies) {
          const reply = await post(`${server.url}${path}`, body, room.teacherKey);
          expect(reply.status, `${path} ${String(body).slice(0, 40)}`).toBeGreaterThanOrEqual(400);
          expect(reply.status).toBeLessThan(500);
          expect(reply.body.error.code).toEqual(expect.any(String));
        }
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await get(`${server.url}/api/health`)).body.status).toBe('ok');
    } finally {
      await server.close();
    }
  });

  it('ends an idle room with a running stream and readers: its timers are cleared, its readers cut, its channel gone', async () => {
    const server = await startTestServer({ roomIdleMs: 3000 });
    let room: RoomCreated | undefined;
    const readers: ReturnType<typeof startReader>[] = [];
    try {
      room = await createRoom(server.url);
      const channel = server.feed.get(room.channel)!;
      await post(`${server.url}/api/rooms/${room.room}/stream`, { perSecond: 20, seconds: 60 }, room.teacherKey);
      expect(server.rooms.activeTimers).toBe(2); // the expiry sweep and the stream
      for (const transport of TRANSPORTS) readers.push(startReader(transport, { baseUrl: server.url, channel: room.channel, client: `idle-${transport}`, after: '0' }));
      await waitFor(() => readers.every((reader) => reader.log.events.length > 0), 10_000, 'readers reading the stream');
      await waitFor(() => server.rooms.size === 0, 10_000, 'the idle room to end');
      expect(server.rooms.activeTimers).toBe(0);
      expect(server.feed.get(room.channel)).toBeUndefined();
      expect(channel.subscriberCount).toBe(0);
      const gone = await get(`${server.url}/api/short-poll?channel=${room.channel}`);
      expect(gone.status).toBe(404);
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
      await server.close();
    }
  });

  it('clears every room timer when the server closes', async () => {
    const server = await startTestServer();
    const room = await createRoom(server.url);
    await post(`${server.url}/api/rooms/${room.room}/stream`, { perSecond: 20, seconds: 60 }, room.teacherKey);
    expect(server.rooms.activeTimers).toBe(2);
    await server.close();
    expect(server.rooms.activeTimers).toBe(0);
    expect(server.rooms.size).toBe(0);
  });
});
