import { describe, expect, it } from 'vitest';
import { RaceData } from '../../src/lib/race/race-data.ts';
import { shiftEntry, type RaceLogEntry } from '../../src/lib/race/recording.ts';
import type { TransportFigures } from '../../src/protocol/feed.ts';

const figures = (requests: number, openConnections = 0): TransportFigures => ({
  requests,
  requestHeaderBytes: 400 * requests,
  responseHeaderBytes: 100 * requests,
  payloadBytes: 40 * requests,
  framingBytes: 0,
  framesIn: 0,
  framesOut: 0,
  openConnections,
});

function race() {
  return new RaceData({
    lanes: [
      { id: 'short-poll', transport: 'short-poll', client: 'c' },
      { id: 'websocket', transport: 'websocket', client: 'c' },
    ],
    settings: { pollIntervalMs: 1000, longPollHoldMs: 25_000, eventIntervalMs: 500, payloadBytes: 16, durationMs: 1000 },
    expectedEvents: 2,
    clock: { offsetMs: 100, uncertaintyMs: 0.5, rttMs: 1, samples: 8 },
    channel: 'race-x',
    startedAt: 10_000,
  });
}

const request = (t: number, events: number, failed?: boolean): RaceLogEntry => ({
  kind: 'exchange',
  t,
  lane: 'short-poll',
  exchange: { transport: 'short-poll', kind: 'request', startedAt: t - 2, endedAt: t, events, ...(failed ? { failed } : {}) },
});

describe('RaceData', () => {
  it('measures clock-corrected latency per event and plots it at its publish time', () => {
    const data = race();
    // Published at server 10_600 = browser 10_500; received by the browser at 10_502.
    data.apply({ kind: 'event', t: 10_502, lane: 'websocket', seq: 1, at: 10_600 });
    const lane = data.view(11_000).lanes[1]!;
    expect(lane.seqs).toEqual([1]);
    expect(lane.latency?.p50).toBe(2);
    expect(lane.latencyPoints).toEqual([{ x: 0.5, y: 2 }]);
  });

  it('counts empty poll replies, but not failed or aborted requests, nor ones still open', () => {
    const data = race();
    data.apply(request(10_100, 0));
    data.apply(request(11_100, 2));
    data.apply(request(12_100, 0, true));
    data.apply({ kind: 'exchange', t: 13_000, lane: 'short-poll', exchange: { transport: 'short-poll', kind: 'request', startedAt: 13_000, endedAt: null, events: 0 } });
    const lane = data.view(14_000).lanes[0]!;
    expect(lane.replies).toBe(2);
    expect(lane.emptyReplies).toBe(1);
    expect(lane.emptyTimeline).toEqual([{ x: 0, y: 0 }, { x: 0.1, y: 1 }]);
  });

  it('takes requests and bytes from the ledger only, and knows when they are final', () => {
    const data = race();
    data.apply({ kind: 'ledger', t: 10_500, figures: { 'short-poll': figures(1, 1), websocket: figures(1, 1) } });
    expect(data.view(10_600).ledgerFinal).toBe(false);
    data.apply({ kind: 'ledger', t: 12_000, figures: { 'short-poll': figures(3), websocket: figures(1) }, final: true });
    const view = data.view(12_100);
    expect(view.ledgerFinal).toBe(true);
    expect(view.lanes[0]!.figures).toEqual(figures(3));
    expect(view.lanes[0]!.requestsTimeline).toEqual([{ x: 0, y: 0 }, { x: 0.5, y: 1 }, { x: 2, y: 3 }]);
  });

  it('is done when every lane has every event', () => {
    const data = race();
    for (const lane of ['short-poll', 'websocket']) for (const seq of [1, 2]) data.apply({ kind: 'event', t: 10_000 + seq, lane, seq, at: 10_000 });
    expect(data.allReceived()).toBe(true);
  });

  it('a replay shifts browser and server times alike, so every latency stays what was measured', () => {
    const event: RaceLogEntry = { kind: 'event', t: 10_502, lane: 'websocket', seq: 1, at: 10_600 };
    expect(shiftEntry(event, 5000)).toEqual({ kind: 'event', t: 15_502, lane: 'websocket', seq: 1, at: 15_600 });
    const shifted = shiftEntry(request(10_100, 0), 5000);
    expect(shifted).toMatchObject({ t: 15_100, exchange: { startedAt: 15_098, endedAt: 15_100 } });
  });
});
