// The shape of what a race measured, in the order it happened. The live island records into
// it, scripts/record-race.ts saves one real run as src/data/race-replay.json, and a replay
// feeds the same entries back through the same code, so a replay can only show what was measured.
import type { TransportFigures, TransportName } from '../../protocol/feed.ts';
import type { Exchange, TransportStatus } from '../transport/types.ts';
import type { ClockEstimate } from './clock.ts';
import type { RaceSettings } from './settings.ts';

/** One row of the race: a transport client, filed in the server's ledger under `client`. */
export interface LaneSpec {
  id: string;
  transport: TransportName;
  client: string;
  /** Short polling's interval, when it differs per lane (the sweep). */
  pollIntervalMs?: number;
}

/** `t` is always this browser's clock (epoch ms) when the entry happened. */
export type RaceLogEntry =
  | { kind: 'event'; t: number; lane: string; seq: number; at: number }
  | { kind: 'exchange'; t: number; lane: string; exchange: Exchange }
  | { kind: 'status'; t: number; lane: string; status: TransportStatus }
  | { kind: 'resync'; t: number; lane: string; cursor?: string | number }
  | { kind: 'ledger'; t: number; figures: Record<string, TransportFigures>; final?: boolean };

export interface RaceRecording {
  version: 1;
  /** ISO date of the run. */
  recordedAt: string;
  settings: RaceSettings;
  lanes: LaneSpec[];
  clock: ClockEstimate;
  channel: string;
  startedAt: number;
  expectedEvents: number;
  log: RaceLogEntry[];
}

/** The committed recording: a full race (also drawn by the sequence diagram) and a sweep. */
export interface ReplayFile {
  race: RaceRecording;
  sweep: RaceRecording;
}

/** The same entries moved by `deltaMs` on the clock (browser and server times alike). */
export function shiftEntry(entry: RaceLogEntry, deltaMs: number): RaceLogEntry {
  const t = entry.t + deltaMs;
  switch (entry.kind) {
    case 'event':
      return { ...entry, t, at: entry.at + deltaMs };
    case 'exchange': {
      const { startedAt, endedAt } = entry.exchange;
      return { ...entry, t, exchange: { ...entry.exchange, startedAt: startedAt + deltaMs, endedAt: endedAt === null ? null : endedAt + deltaMs } };
    }
    default:
      return { ...entry, t };
  }
}
