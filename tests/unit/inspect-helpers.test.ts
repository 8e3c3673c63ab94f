import { describe, expect, it } from 'vitest';
import { bits8, clip, clockTime, formatCount, formatSize, fromBase64, hex2, latin1, printable, socketUrl, toBase64 } from '../../src/lib/inspect/bytes.ts';
import { appendLog, MAX_LOG_ENTRIES, type LogEntry } from '../../src/lib/inspect/event-log.ts';
import { chatPath, isValidNick, isValidRoom, randomNick, randomRoom, roomFromUrl, shareLink } from '../../src/lib/inspect/chat-room.ts';
import { INSPECT_KEYS, inspectStrings, ti } from '../../src/i18n/inspect.ts';

describe('bytes and formatting', () => {
  it('round-trips base64 and keeps one character per byte', () => {
    const bytes = Uint8Array.from([0, 0x81, 0xff, 0x0d, 0x0a]);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    expect(fromBase64('gYWMV1w3xDIwW+M=')[0]).toBe(0x81);
    expect(latin1(bytes)).toHaveLength(5);
  });

  it('formats bytes, bits and sizes', () => {
    expect(hex2(5)).toBe('05');
    expect(bits8(0x81)).toBe('10000001');
    expect(printable(0x48)).toBe('H');
    expect(printable(0x0a)).toBe('·');
    expect(formatCount(70_000, 'en')).toBe('70,000');
    expect(formatCount(70_000, 'zh')).toBe('70,000');
    expect(formatSize(512, 'en')).toBe('512 B');
    expect(formatSize(60 * 1024, 'en')).toBe('60 KiB');
    expect(formatSize(12_288_000, 'en')).toBe('12 MiB');
    expect(formatSize(1536, 'en')).toBe('1.5 KiB');
    expect(clip('abcdef', 3)).toBe('abc…');
    expect(clip('abc', 3)).toBe('abc');
    expect(clockTime(new Date(2024, 0, 1, 14, 3, 7, 42).getTime())).toBe('14:03:07.042');
  });

  it('derives ws:// and wss:// URLs from the page origin', () => {
    expect(socketUrl('/ws/echo', 'http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws/echo');
    expect(socketUrl('/ws/echo', 'https://example.com')).toBe('wss://example.com/ws/echo');
  });
});

describe('appendLog', () => {
  const entry = (key: LogEntry['key'], values: LogEntry['values'] = {}, at = 1) => ({ at, kind: 'message' as const, key, values });

  it('folds identical consecutive entries into one with a count', () => {
    let log: LogEntry[] = [];
    for (let i = 0; i < 200; i++) log = appendLog(log, entry('log.messageBinary', { n: '61,440' }, i));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ count: 200, at: 199 });
    log = appendLog(log, entry('log.messageBinary', { n: '5' }));
    log = appendLog(log, entry('log.messageBinary', { n: '61,440' }));
    expect(log.map((e) => e.count)).toEqual([200, 1, 1]);
    expect(new Set(log.map((e) => e.id)).size).toBe(3);
  });

  it('stays bounded', () => {
    let log: LogEntry[] = [];
    for (let i = 0; i < MAX_LOG_ENTRIES + 50; i++) log = appendLog(log, entry('log.message', { data: String(i) }));
    expect(log).toHaveLength(MAX_LOG_ENTRIES);
    expect(log.at(-1)!.values['data']).toBe(String(MAX_LOG_ENTRIES + 49));
  });
});

describe('chat rooms', () => {
  it('applies the server rules to rooms and nicknames', () => {
    expect(isValidRoom('room-4821')).toBe(true);
    expect(isValidRoom('a'.repeat(65))).toBe(false);
    expect(isValidRoom('with space')).toBe(false);
    expect(isValidNick('  访客123 ')).toBe(true);
    expect(isValidNick('   ')).toBe(false);
    expect(isValidNick('x'.repeat(33))).toBe(false);
    expect(isValidNick('a\u0007b')).toBe(false);
  });

  it('makes valid random rooms and nicknames', () => {
    for (let i = 0; i < 20; i++) {
      expect(isValidRoom(randomRoom())).toBe(true);
      expect(isValidNick(randomNick('zh'))).toBe(true);
    }
    expect(randomRoom(() => 0.5)).toBe('room-5555');
    expect(randomNick('en', () => 0)).toBe('guest000');
  });

  it('reads the room from a shared link and builds one', () => {
    const link = shareLink('http://192.168.1.5:8080', '/zh/lessons/08-servers/', 'room-42');
    expect(link).toBe('http://192.168.1.5:8080/zh/lessons/08-servers/?room=room-42#chat-demo');
    expect(roomFromUrl(new URL(link).search)).toBe('room-42');
    expect(roomFromUrl('?room=bad%20room')).toBeNull();
    expect(roomFromUrl('')).toBeNull();
    expect(chatPath('room-42', ' Ann ')).toBe('/ws/chat?room=room-42&name=Ann');
    expect(chatPath('r', '访客')).toBe('/ws/chat?room=r&name=%E8%AE%BF%E5%AE%A2');
  });
});

describe('inspect strings', () => {
  it('has every key in both languages, none empty, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of INSPECT_KEYS) {
      expect(inspectStrings.zh[key].trim(), key).not.toBe('');
      expect(inspectStrings.en[key].trim(), key).not.toBe('');
      expect(placeholders(inspectStrings.zh[key]), key).toEqual(placeholders(inspectStrings.en[key]));
    }
    expect(Object.keys(inspectStrings.en).sort()).toEqual([...INSPECT_KEYS].sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(ti('en', 'fi.more', { n: '69,952' })).toBe('… (69,952 more bytes)');
    expect(ti('zh', 'chat.members', { n: 2 })).toBe('房间里 2 人');
    expect(ti('en', 'chat.members')).toBe('{n} in the room');
  });
});
