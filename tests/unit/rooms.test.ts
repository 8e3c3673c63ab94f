import { describe, expect, it } from 'vitest';
import { ROOM_CODE_PATTERN } from '../../src/protocol/rooms.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { joinUrls } from '../../server/rooms/join-url.ts';
import { RoomMembers } from '../../server/rooms/members.ts';
import { RoomState, type RoomOperation } from '../../server/rooms/room-state.ts';
import { isTeacher, newRoomCode, newTeacherKey } from '../../server/rooms/secrets.ts';

describe('room join URLs', () => {
  const base = { port: 8080, room: 'AB3CD', locale: 'en' as const };

  it('uses PUBLIC_ORIGIN when it is set, whatever the server listens on', () => {
    const urls = joinUrls({ ...base, publicOrigin: 'https://course.example', listenHost: '127.0.0.1' });
    expect(urls).toEqual({ joinUrl: 'https://course.example/en/classroom/join/?room=AB3CD', joinUrls: ['https://course.example/en/classroom/join/?room=AB3CD'], reachable: true });
  });

  it('offers one URL per LAN address when listening on every interface', () => {
    const urls = joinUrls({ ...base, publicOrigin: '', listenHost: '0.0.0.0', lan: ['192.168.1.20', '10.0.0.5'] });
    expect(urls.joinUrl).toBe('http://192.168.1.20:8080/en/classroom/join/?room=AB3CD');
    expect(urls.joinUrls).toEqual(['http://192.168.1.20:8080/en/classroom/join/?room=AB3CD', 'http://10.0.0.5:8080/en/classroom/join/?room=AB3CD']);
    expect(urls.reachable).toBe(true);
  });

  it('says phones cannot reach a loopback server, and how to fix it', () => {
    for (const listenHost of ['127.0.0.1', '::1', 'localhost']) {
      const urls = joinUrls({ ...base, publicOrigin: '', listenHost });
      expect(urls.reachable).toBe(false);
      expect(urls.reason).toContain('HOST=0.0.0.0 npm start');
    }
    expect(joinUrls({ ...base, publicOrigin: '', listenHost: '::1' }).joinUrl).toBe('http://[::1]:8080/en/classroom/join/?room=AB3CD');
  });

  it('says so when listening everywhere but the machine has no LAN address', () => {
    expect(joinUrls({ ...base, publicOrigin: '', listenHost: '::', lan: [] }).reachable).toBe(false);
  });
});

describe('room members', () => {
  it('keeps the catalog balanced, honours a requested transport and counts a rejoin once', () => {
    const members = new RoomMembers(100);
    for (let i = 0; i < 3 * TRANSPORTS.length; i++) members.join(`p${i}`, undefined, null);
    expect(Object.values(members.counts())).toEqual(TRANSPORTS.map(() => 3));
    expect(members.join('p0', undefined, null)).toBe(members.transportOf('p0'));
    expect(members.size).toBe(3 * TRANSPORTS.length);
    expect(members.join('p0', TRANSPORTS.at(-1), null)).toBe(TRANSPORTS.at(-1));
    expect(members.size).toBe(3 * TRANSPORTS.length);
  });

  it('puts newcomers on the transport the teacher switched everyone to, and refuses new members when full', () => {
    const members = new RoomMembers(2);
    expect(members.join('a', undefined, TRANSPORTS[1]!)).toBe(TRANSPORTS[1]);
    members.join('b', undefined, null);
    expect(members.join('c', undefined, null)).toBeNull();
    expect(members.join('a', undefined, null)).not.toBeNull();
  });
});

describe('room secrets', () => {
  it('makes codes from the unambiguous alphabet', () => {
    for (let i = 0; i < 200; i++) expect(newRoomCode()).toMatch(ROOM_CODE_PATTERN);
    expect(ROOM_CODE_PATTERN.test('O0I1L')).toBe(false);
  });

  it('accepts only the exact teacher key as a Bearer token', () => {
    const key = newTeacherKey();
    expect(isTeacher(key, `Bearer ${key}`)).toBe(true);
    for (const header of [undefined, '', key, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, `Basic ${key}`, 'Bearer ']) expect(isTeacher(key, header)).toBe(false);
  });
});

describe('a room as the fold of its log', () => {
  const log: RoomOperation[] = [
    { type: 'create', teacherKey: 'k', channel: 'room-x', pollIntervalMs: 1000, maxMembers: 3 },
    { type: 'join', client: 'a' },
    { type: 'join', client: 'b', transport: 'sse' },
    { type: 'buzz', id: 1, seq: 1, at: 100 },
    { type: 'report', client: 'a', seq: 1, delayMs: 12 },
    { type: 'report', client: 'a', seq: 1, delayMs: 99 },
    { type: 'report', client: 'stranger', seq: 1, delayMs: 5 },
    { type: 'switch', transport: 'websocket', pollIntervalMs: 500 },
    { type: 'question', id: 'q', prompt: 'Which?', choices: ['x', 'y'], seq: 2 },
    { type: 'answer', client: 'b', question: 'q', answer: 1 },
    { type: 'answer', client: 'b', question: 'q', answer: 0 },
    { type: 'join', client: 'c' },
    { type: 'join', client: 'd' },
    { type: 'stream-start', id: 1, perSecond: 5, of: 10, at: 200 },
  ];

  it('reaches the same state and the same outcomes on every instance that applies the same log', () => {
    const fold = () => {
      const state = new RoomState();
      // Through JSON, as the operations travel through Redis.
      const outcomes = log.map((op) => state.apply(JSON.parse(JSON.stringify(op)) as RoomOperation));
      return { outcomes, summary: state.summary(), stream: state.stream, settings: state.settings };
    };
    const first = fold();
    expect(fold()).toEqual(first);
    expect(first.outcomes).toEqual([
      null,
      { transport: TRANSPORTS[0], pollIntervalMs: 1000 },
      { transport: 'sse', pollIntervalMs: 1000 },
      null,
      'counted',
      'duplicate',
      'not_member',
      { transport: 'websocket', pollIntervalMs: 500 },
      null,
      'counted',
      'duplicate',
      { transport: 'websocket', pollIntervalMs: 500 },
      null, // a fourth member: the room holds three
      null,
    ]);
    expect(first.summary.members.websocket).toBe(3);
    expect(first.summary.buzzes[0]!.delays[TRANSPORTS[0]!]).toEqual([12]);
    expect(first.summary.questions[0]!.counts).toEqual({ '1': 1 });
    expect(first.stream).toEqual({ id: 1, perSecond: 5, of: 10, at: 200 });
    expect(first.settings).toEqual({ teacherKey: 'k', channel: 'room-x' });
  });
});
