import { describe, expect, it } from 'vitest';
import { verdictText } from '../../src/lib/race/verdict.ts';
import type { LaneNumbers } from '../../src/lib/race/table-rows.ts';
import type { TransportName } from '../../src/protocol/feed.ts';

function lane(transport: TransportName, requests: number, totalBytes: number, emptyReplies: number, p50: number | null): LaneNumbers {
  return {
    id: transport,
    transport,
    events: 20,
    requests,
    emptyReplies,
    requestHeaderBytes: null,
    responseHeaderBytes: null,
    payloadBytes: null,
    framingBytes: null,
    totalBytes,
    latency: p50 === null ? null : { count: 20, mean: p50, p50, p95: p50, max: p50 },
  };
}

const race = [
  lane('short-poll', 61, 32_400, 49, 498.2),
  lane('long-poll', 21, 11_200, 0, 6.4),
  lane('sse', 1, 2_800, 0, 1.9),
  lane('websocket', 1, 2_100, 0, 0.63),
];

describe('race verdict', () => {
  it('names the cheapest and the costliest transport, then the fastest and slowest median (en)', () => {
    expect(verdictText('en', race)).toBe(
      'WebSocket used 1 request and 2.1 KB; short polling used 61 requests and 32 KB, 49 of them empty. Median latency: WebSocket 0.6 ms, short polling 498 ms.',
    );
  });

  it('says the same in Chinese, with a space between Latin names and Chinese text', () => {
    expect(verdictText('zh', race)).toBe(
      'WebSocket 用了 1 个请求、2.1 KB；短轮询用了 61 个请求、32 KB，其中 49 个是空回复。延迟中位数：WebSocket 0.6 ms，短轮询 498 ms。',
    );
  });

  it('capitalizes a transport that starts the sentence and leaves out "empty" when there were none', () => {
    const text = verdictText('en', [lane('long-poll', 3, 900, 0, 2), lane('short-poll', 20, 9000, 0, 480)]);
    expect(text).toBe('Long polling used 3 requests and 900 B; short polling used 20 requests and 9 KB. Median latency: long polling 2.0 ms, short polling 480 ms.');
  });

  it('describes a single transport alone, and says nothing before the ledger has answered', () => {
    expect(verdictText('en', [lane('sse', 1, 1234, 0, null)])).toBe('SSE used 1 request and 1.2 KB.');
    expect(verdictText('en', [{ ...lane('sse', 1, 1, 0, 1), requests: null, totalBytes: null }])).toBe('');
  });
});
