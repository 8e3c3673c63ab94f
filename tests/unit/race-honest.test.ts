import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/lib/race/csv.ts';
import { isDecade, LOG_FLOOR_MS, onLogAxis } from '../../src/lib/race/log-axis.ts';
import type { RaceView } from '../../src/lib/race/race-data.ts';
import { sweepLanes, sweepPoints } from '../../src/lib/race/sweep.ts';
import type { LaneNumbers } from '../../src/lib/race/table-rows.ts';
import { verdictText } from '../../src/lib/race/verdict.ts';
import { transportSpec } from '../../src/protocol/transports.ts';

// What keeps the race's numbers honest: a result taken while other tabs held connections says so
// in the CSV and the verdict; the sweep shows streams and sockets as one connection, not a rate;
// latency goes on a log axis where 0.5 ms and 500 ms are both visible.

const lane = (id: LaneNumbers['transport']): LaneNumbers => ({
  id,
  transport: id,
  events: 20,
  requests: 1,
  emptyReplies: 0,
  requestHeaderBytes: 500,
  responseHeaderBytes: 100,
  payloadBytes: 2000,
  framingBytes: 40,
  totalBytes: 2640,
  latency: { count: 20, mean: 1, p50: 1, p95: 2, max: 3 },
});

describe('a race under contention', () => {
  it('the CSV carries the number of other tabs on every row, only when there were some', () => {
    const rows = [lane('websocket')];
    const plain = toCsv('en', rows, () => 'WebSocket').split('\r\n');
    const marked = toCsv('en', rows, () => 'WebSocket', 3).split('\r\n');
    expect(plain[0]).not.toContain('Other tabs');
    expect(marked[0]!.endsWith(',Other tabs holding connections')).toBe(true);
    expect(marked[1]!.endsWith(',3')).toBe(true);
  });

  it('the verdict says so in both languages', () => {
    expect(verdictText('en', [lane('websocket')], 3)).toMatch(/3 other tab\(s\).*contention/);
    expect(verdictText('zh', [lane('websocket')], 2)).toContain('另有 2 个标签页');
    expect(verdictText('en', [lane('websocket')])).not.toContain('contention');
  });
});

describe('the sweep', () => {
  it('gives polls a request rate and streams and sockets a connection count instead', () => {
    const lanes = sweepLanes('c');
    const view = {
      elapsedMs: 20_000,
      lanes: lanes.map((spec) => ({ spec, figures: { requests: transportSpec(spec.transport).kind === 'poll' ? 40 : 1 }, latency: { mean: 5, p95: 9 }, seqs: [1, 2] })),
    } as unknown as RaceView;
    for (const point of sweepPoints(view)) {
      if (transportSpec(point.transport).kind === 'poll') {
        expect(point.requestsPerMinute, point.id).toBe(120);
        expect(point.connections, point.id).toBeNull();
      } else {
        expect(point.requestsPerMinute, point.id).toBeNull();
        expect(point.connections, point.id).toBe(1);
      }
    }
  });
});

describe('the latency log axis', () => {
  it('keeps every latency at or above its floor and labels only decades', () => {
    expect(onLogAxis(0.02)).toBe(LOG_FLOOR_MS);
    expect(onLogAxis(-1)).toBe(LOG_FLOOR_MS);
    expect(onLogAxis(512)).toBe(512);
    expect(onLogAxis(null)).toBeNull();
    expect([0.1, 1, 10, 100, 1000].every(isDecade)).toBe(true);
    expect([0, 2, 50, 0.5, -10].some(isDecade)).toBe(false);
  });
});
