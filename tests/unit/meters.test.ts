import { describe, expect, it } from 'vitest';
import { BodyMeter, FrameMeter, HeadReader, type ByteCounts } from '../../server/wire/meters.ts';

const counts = (): ByteCounts => ({ payload: 0, framing: 0, frames: 0 });

/** Feeds `bytes` to a meter in every possible pair of chunks, so boundaries fall everywhere. */
function everySplit(bytes: Buffer, run: (chunks: Buffer[]) => void) {
  for (let cut = 0; cut <= bytes.length; cut++) run([bytes.subarray(0, cut), bytes.subarray(cut)].filter((c) => c.length));
}

describe('HeadReader', () => {
  it('finds the end of a head wherever the chunks split it, and leaves the body alone', () => {
    const head = 'GET /api/sse?client=a HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\n\r\n';
    everySplit(Buffer.from(head + 'BODY'), (chunks) => {
      const reader = new HeadReader();
      let used = 0;
      let found;
      for (const chunk of chunks) {
        if (found) break;
        const result = reader.take(chunk, 0);
        used += result.used;
        found = result.head;
      }
      expect(used).toBe(head.length);
      expect(found?.startLine).toBe('GET /api/sse?client=a HTTP/1.1');
      expect(found?.headers.get('last-event-id')).toBe('7');
    });
  });
});

describe('BodyMeter', () => {
  it('splits a chunked body into payload and framing wherever the chunks fall', () => {
    const body = Buffer.from('5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n');
    everySplit(body, (chunks) => {
      const meter = new BodyMeter({ kind: 'chunked' });
      const c = counts();
      let used = 0;
      for (const chunk of chunks) used += meter.take(chunk, 0, c);
      expect(meter.done).toBe(true);
      expect(used).toBe(body.length);
      expect(c.payload).toBe(5 + 26);
      expect(c.framing).toBe(body.length - 31);
    });
  });

  it('counts exactly Content-Length bytes and no more', () => {
    const meter = new BodyMeter({ kind: 'length', length: 3 });
    const c = counts();
    expect(meter.take(Buffer.from('abcdef'), 0, c)).toBe(3);
    expect([meter.done, c.payload]).toEqual([true, 3]);
  });
});

describe('FrameMeter', () => {
  it('counts headers and mask keys as framing and data payloads as payload (RFC 6455 §5.7 masked "Hello")', () => {
    const frame = Buffer.from('8185 37fa213d 7f9f4d5158'.replace(/ /g, ''), 'hex');
    everySplit(frame, (chunks) => {
      const raw: Buffer[] = [];
      const meter = new FrameMeter((bytes) => raw.push(bytes));
      const c = counts();
      for (const chunk of chunks) meter.take(chunk, 0, c);
      expect(c).toEqual({ payload: 5, framing: 6, frames: 1 });
      expect(raw).toEqual([frame]);
    });
  });

  it('reads 16- and 64-bit lengths and files control frames whole as framing', () => {
    const meter = new FrameMeter();
    const c = counts();
    const medium = Buffer.concat([Buffer.from([0x82, 0x7e, 0x01, 0x00]), Buffer.alloc(256)]);
    const large = Buffer.concat([Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]), Buffer.alloc(65536)]);
    const ping = Buffer.from([0x89, 0x02, 0x68, 0x69]);
    meter.take(Buffer.concat([medium, ping, large]), 0, c);
    expect(c).toEqual({ payload: 256 + 65536, framing: 4 + 4 + 10, frames: 3 });
  });
});
