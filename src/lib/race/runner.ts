// One live race: clock offset, a private channel, one transport client per lane (all reading
// the channel from seq 1), the ledger polled while it runs, and the ledger's settled figures
// once every connection has closed. No Svelte here: the island and the sequence diagram both use it.
import type { StatsReply, TransportFigures } from '../../protocol/feed.ts';
import { transportClients, type TransportClient } from '../transport/index.ts';
import { nowMs } from '../transport/types.ts';
import { createChannel, fetchStats, sampleServerClock } from './api.ts';
import { estimateClockOffset } from './clock.ts';
import type { RaceStart } from './race-data.ts';
import type { LaneSpec, RaceLogEntry } from './recording.ts';
import { expectedEvents, type RaceSettings } from './settings.ts';

export type RunPhase = 'starting' | 'running' | 'settling';

/** Where a run reports to (RaceMetrics for the island). */
export interface RaceTarget {
  setPhase(phase: RunPhase): void;
  begin(start: RaceStart): void;
  apply(entry: RaceLogEntry): void;
  allReceived(): boolean;
  finish(at: number): void;
}

export interface RunOptions {
  lanes: LaneSpec[];
  settings: RaceSettings;
  /** How often to read the ledger while the race runs. */
  statsEveryMs?: number;
  /** Keep going after the last event (the sequence diagram stops on its own schedule). */
  untilStopped?: boolean;
  /** Read the ledger (the sequence diagram draws traffic, not bytes). Default true. */
  readLedger?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SETTLE_LIMIT_MS = 5000;
/** A ledger read that hangs (a black-holed connection) must not stall the race loop. */
const LEDGER_READ_LIMIT_MS = 3000;

/** Aborts when `parent` does or after `ms` (AbortSignal.any is too new for some browsers). */
function abortAfter(parent: AbortSignal, ms: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, ms);
  parent.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, done: () => (clearTimeout(timer), parent.removeEventListener('abort', abort)) };
}

export class RaceRun {
  private readonly controller = new AbortController();
  private stopped = false;
  private clients: TransportClient[] = [];

  constructor(
    private readonly options: RunOptions,
    private readonly target: RaceTarget,
  ) {}

  /** End the race early; the figures still settle and show. */
  stop(): void {
    this.stopped = true;
  }

  /** Tear everything down and report nothing more. */
  cancel(): void {
    this.stopped = true;
    this.controller.abort();
    for (const client of this.clients) client.stop();
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Throws ServerUnreachableError / ServerRefusedError when the race can't start. */
  async run(): Promise<void> {
    const { lanes, settings } = this.options;
    const signal = this.controller.signal;
    this.target.setPhase('starting');
    // Before the channel exists: its first event must not wait for our clock round trips.
    const clock = await estimateClockOffset(() => sampleServerClock(signal), 8);
    const channel = await createChannel({ intervalMs: settings.eventIntervalMs, payloadBytes: settings.payloadBytes, durationMs: settings.durationMs }, signal);
    if (this.cancelled) return;
    const startedAt = nowMs();
    this.target.begin({ lanes, settings, expectedEvents: expectedEvents(settings), clock, channel, startedAt });
    this.target.setPhase('running');
    this.clients = lanes.map((lane) => this.startClient(lane, channel));

    const slowestPoll = Math.max(settings.pollIntervalMs, ...lanes.map((lane) => lane.pollIntervalMs ?? 0));
    const deadline = startedAt + settings.durationMs + slowestPoll + 5000;
    let nextStats = 0;
    while (!this.stopped && (this.options.untilStopped || (!this.target.allReceived() && nowMs() < deadline))) {
      if (this.options.readLedger !== false && nowMs() >= nextStats) {
        nextStats = nowMs() + (this.options.statsEveryMs ?? 500);
        const figures = await this.readLedger();
        if (figures && !this.cancelled) this.target.apply({ kind: 'ledger', t: nowMs(), figures });
      }
      await sleep(100);
    }
    for (const client of this.clients) client.stop();
    if (this.cancelled) return;
    this.target.finish(nowMs());
    if (this.options.readLedger === false) return;
    this.target.setPhase('settling');
    await this.settle();
  }

  private startClient(lane: LaneSpec, channel: string): TransportClient {
    const entry = (make: (t: number) => RaceLogEntry) => !this.cancelled && this.target.apply(make(nowMs()));
    const client = transportClients[lane.transport](
      {
        channel,
        client: lane.client,
        after: '0',
        pollIntervalMs: lane.pollIntervalMs ?? this.options.settings.pollIntervalMs,
        longPollTimeoutMs: this.options.settings.longPollHoldMs,
      },
      {
        onEvent: (event, receivedAt) => entry(() => ({ kind: 'event', t: receivedAt, lane: lane.id, seq: event.seq, at: event.at })),
        onStatus: (status) => entry((t) => ({ kind: 'status', t, lane: lane.id, status })),
        onResync: (cursor) => entry((t) => ({ kind: 'resync', t, lane: lane.id, cursor })),
        onExchange: (exchange) => entry((t) => ({ kind: 'exchange', t, lane: lane.id, exchange })),
      },
    );
    client.start();
    return client;
  }

  /** Each lane's figures from the ledger, or null when the server could not be read just now. */
  private async readLedger(): Promise<Record<string, TransportFigures> | null> {
    const clients = [...new Set(this.options.lanes.map((lane) => lane.client))];
    const limit = abortAfter(this.controller.signal, LEDGER_READ_LIMIT_MS);
    try {
      const replies = await Promise.all(clients.map((client) => fetchStats(client, limit.signal)));
      const byClient = new Map<string, StatsReply>(replies.map((reply, index) => [clients[index]!, reply]));
      return Object.fromEntries(this.options.lanes.map((lane) => [lane.id, byClient.get(lane.client)!.transports[lane.transport]]));
    } catch {
      return null; // dropped connections, a busy server: the next sample will do
    } finally {
      limit.done();
    }
  }

  /**
   * Reads the ledger until every connection of ours has closed and two readings agree: only then
   * are the figures final (a WebSocket's close frames, the end of a stream, still cross the wire).
   */
  private async settle(): Promise<void> {
    const giveUpAt = nowMs() + SETTLE_LIMIT_MS;
    let previous = '';
    let latest: Record<string, TransportFigures> | null = null;
    while (!this.cancelled && nowMs() < giveUpAt) {
      const figures = await this.readLedger();
      if (figures) {
        latest = figures;
        const closed = Object.values(figures).every((f) => f.openConnections === 0);
        const serialized = JSON.stringify(figures);
        if (closed && serialized === previous) break;
        previous = serialized;
      }
      await sleep(150);
    }
    if (latest && !this.cancelled) this.target.apply({ kind: 'ledger', t: nowMs(), figures: latest, final: true });
  }
}
