// The sweep: short polling at several intervals plus every other transport on one channel.
// Each lane becomes one point: requests per minute (server ledger) against mean latency (browser).
import { TRANSPORTS, type TransportName } from '../../protocol/feed.ts';
import { transportSpec } from '../../protocol/transports.ts';
import type { RaceView } from './race-data.ts';
import type { LaneSpec } from './recording.ts';
import { SWEEP_INTERVALS_MS } from './settings.ts';

export function sweepLanes(client: string): LaneSpec[] {
  return [
    // Separate client ids, so the ledger counts each interval's requests apart.
    ...SWEEP_INTERVALS_MS.map((ms) => ({ id: `short-poll-${ms}`, transport: 'short-poll' as const, client: `${client}-${ms}`, pollIntervalMs: ms })),
    ...TRANSPORTS.filter((name) => name !== 'short-poll').map((transport) => ({ id: transport, transport, client })),
  ];
}

export interface SweepPoint {
  id: string;
  transport: TransportName;
  pollIntervalMs?: number;
  /** Polls only: a rate. A stream or socket is one connection however long it runs, so it has none. */
  requestsPerMinute: number | null;
  /** Streams and sockets: connections opened (the ledger's requests; 1 unless one dropped). Null for polls. */
  connections: number | null;
  meanLatencyMs: number | null;
  p95LatencyMs: number | null;
  events: number;
}

export function sweepPoints(view: RaceView): SweepPoint[] {
  const minutes = view.elapsedMs / 60_000;
  return view.lanes.map((lane) => {
    const polls = transportSpec(lane.spec.transport).kind === 'poll';
    return {
      id: lane.spec.id,
      transport: lane.spec.transport,
      pollIntervalMs: lane.spec.pollIntervalMs,
      requestsPerMinute: polls && lane.figures && minutes > 0 ? lane.figures.requests / minutes : null,
      connections: !polls && lane.figures ? lane.figures.requests : null,
      meanLatencyMs: lane.latency?.mean ?? null,
      p95LatencyMs: lane.latency?.p95 ?? null,
      events: lane.seqs.length,
    };
  });
}
