// Everything one race measured, accumulated from its log (no Svelte here, so it is unit-testable
// and the same code serves live runs and replays). `view()` turns it into what the UI draws.
import type { TransportFigures } from '../../protocol/feed.ts';
import type { TransportStatus } from '../transport/types.ts';
import { latencyMs, type ClockEstimate } from './clock.ts';
import type { LaneSpec, RaceLogEntry, RaceRecording } from './recording.ts';
import type { RaceSettings } from './settings.ts';
import { summarize, type LatencySummary } from './stats.ts';

export interface Point {
  x: number;
  y: number;
}

export interface LaneView {
  spec: LaneSpec;
  status: TransportStatus;
  /** Seqs in the order this client delivered them. */
  seqs: number[];
  resyncs: number;
  /** Poll replies that arrived (failed or aborted requests excluded), and those with no event. */
  replies: number;
  emptyReplies: number;
  latency: LatencySummary | null;
  /** x: when the event was published, seconds since the start; y: its latency in ms. */
  latencyPoints: Point[];
  /** x: seconds since the start; y: empty replies so far (browser side). */
  emptyTimeline: Point[];
  /** x: seconds since the start; y: requests so far (server ledger). */
  requestsTimeline: Point[];
  /** The ledger's latest figures for this lane's client and transport. */
  figures: TransportFigures | null;
}

export interface RaceView {
  lanes: LaneView[];
  elapsedMs: number;
  durationMs: number;
  expectedEvents: number;
  clock: ClockEstimate | null;
  /** The figures are the settled ledger after every connection closed. */
  ledgerFinal: boolean;
}

interface LaneTally {
  status: TransportStatus;
  seqs: number[];
  latencies: number[];
  latencyPoints: Point[];
  resyncs: number;
  replies: number;
  emptyReplies: number;
  emptyTimeline: Point[];
  requestsTimeline: Point[];
  figures: TransportFigures | null;
}

export interface RaceStart {
  lanes: LaneSpec[];
  settings: RaceSettings;
  expectedEvents: number;
  clock: ClockEstimate;
  channel: string;
  startedAt: number;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export class RaceData {
  readonly log: RaceLogEntry[] = [];
  private readonly tallies = new Map<string, LaneTally>();
  private endedAt: number | null = null;
  private ledgerFinal = false;

  constructor(readonly start: RaceStart) {
    for (const lane of start.lanes) {
      this.tallies.set(lane.id, {
        status: 'connecting',
        seqs: [],
        latencies: [],
        latencyPoints: [],
        resyncs: 0,
        replies: 0,
        emptyReplies: 0,
        emptyTimeline: [{ x: 0, y: 0 }],
        requestsTimeline: [{ x: 0, y: 0 }],
        figures: null,
      });
    }
  }

  apply(entry: RaceLogEntry): void {
    this.log.push(entry);
    const since = (t: number) => seconds(t - this.start.startedAt);
    if (entry.kind === 'ledger') {
      for (const [id, figures] of Object.entries(entry.figures)) {
        const tally = this.tallies.get(id);
        if (!tally) continue;
        tally.figures = figures;
        tally.requestsTimeline.push({ x: since(entry.t), y: figures.requests });
      }
      if (entry.final) this.ledgerFinal = true;
      return;
    }
    const tally = this.tallies.get(entry.lane);
    if (!tally) return;
    if (entry.kind === 'event') {
      const latency = latencyMs(entry.t, entry.at, this.start.clock);
      tally.seqs.push(entry.seq);
      tally.latencies.push(latency);
      // When the event was published, on this browser's clock.
      tally.latencyPoints.push({ x: since(entry.at - this.start.clock.offsetMs), y: Math.round(latency * 10) / 10 });
    } else if (entry.kind === 'status') {
      tally.status = entry.status;
    } else if (entry.kind === 'resync') {
      tally.resyncs++;
    } else {
      const { exchange } = entry;
      if (exchange.kind !== 'request' || exchange.endedAt === null || exchange.failed) return;
      tally.replies++;
      if (exchange.events > 0) return;
      tally.emptyReplies++;
      tally.emptyTimeline.push({ x: since(entry.t), y: tally.emptyReplies });
    }
  }

  /** Every lane has delivered every event the channel publishes. */
  allReceived(): boolean {
    return [...this.tallies.values()].every((tally) => tally.seqs.length >= this.start.expectedEvents);
  }

  finish(at: number): void {
    this.endedAt ??= at;
  }

  view(now: number): RaceView {
    const lanes = this.start.lanes.map((spec): LaneView => {
      const tally = this.tallies.get(spec.id)!;
      return {
        spec,
        status: tally.status,
        seqs: tally.seqs.slice(),
        resyncs: tally.resyncs,
        replies: tally.replies,
        emptyReplies: tally.emptyReplies,
        latency: summarize(tally.latencies),
        latencyPoints: tally.latencyPoints.slice(),
        emptyTimeline: tally.emptyTimeline.slice(),
        requestsTimeline: tally.requestsTimeline.slice(),
        figures: tally.figures,
      };
    });
    return {
      lanes,
      elapsedMs: Math.max(0, (this.endedAt ?? now) - this.start.startedAt),
      durationMs: this.start.settings.durationMs,
      expectedEvents: this.start.expectedEvents,
      clock: this.start.clock,
      ledgerFinal: this.ledgerFinal,
    };
  }

  toRecording(recordedAt: Date): RaceRecording {
    const { lanes, settings, expectedEvents, clock, channel, startedAt } = this.start;
    return { version: 1, recordedAt: recordedAt.toISOString(), settings, lanes, clock, channel, startedAt, expectedEvents, log: this.log.slice() };
  }
}

/** An empty view for before the first race: the lanes exist, nothing measured yet. */
export function idleView(lanes: LaneSpec[], expectedEvents: number, durationMs = 0): RaceView {
  const data = new RaceData({
    lanes,
    expectedEvents,
    settings: { pollIntervalMs: 0, longPollHoldMs: 0, eventIntervalMs: 0, payloadBytes: 0, durationMs },
    clock: { offsetMs: 0, uncertaintyMs: 0, rttMs: 0, samples: 0 },
    channel: '',
    startedAt: 0,
  });
  const view = data.view(0);
  return { ...view, clock: null, lanes: view.lanes.map((lane) => ({ ...lane, status: 'stopped' })) };
}
