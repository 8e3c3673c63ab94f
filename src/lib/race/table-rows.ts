// The numbers of a finished (or running) race, one row per lane: the table, the CSV and the
// verdict all read these, so they can't disagree. Requests and bytes come only from the ledger.
import type { TransportName } from '../../protocol/feed.ts';
import type { LaneView } from './race-data.ts';
import type { LatencySummary } from './stats.ts';

export interface LaneNumbers {
  id: string;
  transport: TransportName;
  events: number;
  /** null until the ledger has answered once. */
  requests: number | null;
  emptyReplies: number;
  requestHeaderBytes: number | null;
  responseHeaderBytes: number | null;
  payloadBytes: number | null;
  framingBytes: number | null;
  totalBytes: number | null;
  latency: LatencySummary | null;
}

export function laneNumbers(lane: LaneView): LaneNumbers {
  const f = lane.figures;
  return {
    id: lane.spec.id,
    transport: lane.spec.transport,
    events: lane.seqs.length,
    requests: f?.requests ?? null,
    emptyReplies: lane.emptyReplies,
    requestHeaderBytes: f?.requestHeaderBytes ?? null,
    responseHeaderBytes: f?.responseHeaderBytes ?? null,
    payloadBytes: f?.payloadBytes ?? null,
    framingBytes: f?.framingBytes ?? null,
    totalBytes: f ? f.requestHeaderBytes + f.responseHeaderBytes + f.payloadBytes + f.framingBytes : null,
    latency: lane.latency,
  };
}

/** The rows of the table, in order; `kind` says how a cell is written. */
export const TABLE_ROWS = [
  { key: 'events', kind: 'count' },
  { key: 'requests', kind: 'count' },
  { key: 'emptyReplies', kind: 'count' },
  { key: 'requestHeaderBytes', kind: 'count' },
  { key: 'responseHeaderBytes', kind: 'count' },
  { key: 'payloadBytes', kind: 'count' },
  { key: 'framingBytes', kind: 'count' },
  { key: 'totalBytes', kind: 'count' },
  { key: 'p50', kind: 'latency' },
  { key: 'p95', kind: 'latency' },
  { key: 'max', kind: 'latency' },
  { key: 'mean', kind: 'latency' },
] as const;
export type RowKey = (typeof TABLE_ROWS)[number]['key'];

/** A cell's raw value: a number, or undefined when nothing was measured yet. */
export function cellValue(numbers: LaneNumbers, key: RowKey): number | undefined {
  switch (key) {
    case 'p50':
    case 'p95':
    case 'max':
    case 'mean':
      return numbers.latency?.[key];
    default:
      return numbers[key] ?? undefined;
  }
}
