import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../src/lib/race/csv.ts';
import type { LaneNumbers } from '../../src/lib/race/table-rows.ts';

const websocket: LaneNumbers = {
  id: 'websocket',
  transport: 'websocket',
  events: 40,
  requests: 1,
  emptyReplies: 0,
  requestHeaderBytes: 567,
  responseHeaderBytes: 129,
  payloadBytes: 8400,
  framingBytes: 92,
  totalBytes: 9188,
  latency: { count: 40, mean: 1.84, p50: 1.52, p95: 3.07, max: 12.4 },
};

describe('race CSV', () => {
  it('quotes fields with commas, quotes or line breaks (RFC 4180) and leaves others alone', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('has a header row and one row per lane, raw numbers, latency to the table precision', () => {
    const csv = toCsv('en', [websocket, { ...websocket, id: 'sse', transport: 'sse', requests: null, latency: null }], (row) => (row.id === 'sse' ? 'SSE, the stream' : 'WebSocket'));
    const lines = csv.split('\r\n');
    expect(lines).toEqual([
      'Transport,Events received,Requests,of which empty replies,Request header bytes,Response header bytes,Payload bytes,Framing bytes,Total bytes,Latency p50 (ms),Latency p95 (ms),Latency max (ms),Latency mean (ms)',
      'WebSocket,40,1,0,567,129,8400,92,9188,1.5,3.1,12,1.8',
      '"SSE, the stream",40,,0,567,129,8400,92,9188,,,,',
      '',
    ]);
  });

  it('writes its header in the reader’s language', () => {
    expect(toCsv('zh', [websocket], () => 'WebSocket').split('\r\n')[0]).toMatch(/^传输方式,收到的事件,请求,/);
  });
});
