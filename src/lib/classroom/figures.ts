// The projector's arithmetic: a transport's delays summarised (median and spread), the ledger
// turned into rates between two successive aggregates, and the axis of the buzz lanes.
import type { TransportFigures } from '../../protocol/feed.ts';
import { TRANSPORTS, type TransportName } from '../../protocol/transports.ts';

/** The q-quantile of ascending values, interpolated (q = 0.5: the median). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export interface DelaySummary {
  count: number;
  median: number;
  /** Fastest to slowest phone: with a handful of phones per transport, every one counts. */
  min: number;
  max: number;
}

export function summarise(sorted: readonly number[]): DelaySummary {
  return { count: sorted.length, median: quantile(sorted, 0.5), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

/** An axis end for the buzz lanes: the slowest delay or the poll interval, rounded up to a tidy step. */
export function laneAxisMs(delays: readonly number[], pollIntervalMs: number): number {
  const slowest = Math.max(pollIntervalMs, ...delays, 100);
  const step = slowest <= 1000 ? 250 : slowest <= 5000 ? 1000 : 5000;
  return Math.ceil(slowest / step) * step;
}

export const headerBytes = (f: TransportFigures) => f.requestHeaderBytes + f.responseHeaderBytes;
export const allBytes = (f: TransportFigures) => f.requestHeaderBytes + f.responseHeaderBytes + f.payloadBytes + f.framingBytes;

/** One transport's traffic per second between two ledgers, and what is open now. */
export interface LedgerRates {
  requestsPerSecond: number;
  headerBytesPerSecond: number;
  bytesPerSecond: number;
  openConnections: number;
}

/** Rates from two successive ledgers `seconds` apart; a counter that went down (members left) reads as 0. */
export function ledgerRates(
  before: Record<TransportName, TransportFigures>,
  after: Record<TransportName, TransportFigures>,
  seconds: number,
): Record<TransportName, LedgerRates> {
  const rate = (a: number, b: number) => (seconds > 0 ? Math.max(0, b - a) / seconds : 0);
  return Object.fromEntries(
    TRANSPORTS.map((name) => [
      name,
      {
        requestsPerSecond: rate(before[name].requests, after[name].requests),
        headerBytesPerSecond: rate(headerBytes(before[name]), headerBytes(after[name])),
        bytesPerSecond: rate(allBytes(before[name]), allBytes(after[name])),
        openConnections: after[name].openConnections,
      },
    ]),
  ) as Record<TransportName, LedgerRates>;
}
