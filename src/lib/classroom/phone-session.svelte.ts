// A student's phone in a room: joins (the same member after a reload, by its stored client id),
// reads the room's channel on its assigned transport, and does what each room event asks:
// flash and report a buzz's delay, move transports on a switch without losing an event, time
// its recovery from a cut, show a question. State is runes so the island just renders it.
import type { FeedEvent, StatsReply } from '../../protocol/feed.ts';
import type { RoomEvent } from '../../protocol/rooms.ts';
import { TRANSPORTS, type TransportName } from '../../protocol/transports.ts';
import { fetchStats, sampleServerClock } from '../race/api.ts';
import { estimateClockOffset } from '../race/clock.ts';
import { transportClients, type TransportClient, type TransportStatus } from '../transport/index.ts';
import { nowMs } from '../transport/types.ts';
import { isGone, joinRoom, sendReport, ServerRefusedError, ServerUnreachableError } from './api.ts';
import { allBytes } from './figures.ts';
import { phoneClientId, saveCursor, savedCursor } from './storage.ts';

export type PhonePhase = 'joining' | 'in-room' | 'gone' | 'full' | 'offline' | 'error';
export type RoomQuestion = Extract<RoomEvent, { kind: 'question' }>;

/** An event older than this when it arrives is history replayed after a reload: no flash, no report. */
const HISTORY_MS = 15_000;
/** After recovering from a cut, wait this long for the next events before reporting gaps. */
const GAP_WATCH_MS = 2_000;
/** Give up timing a cut's recovery after this long (the phone reports nothing then). */
const RECOVERY_GIVE_UP_MS = 60_000;
const STATS_EVERY_MS = 2_000;
const HELD_IS_LIVE_MS = 1_000;

interface PendingCut {
  id: number;
  /** The cut's `at`, moved onto this browser's clock. */
  atLocal: number;
  gapsBefore: number;
}

export class PhoneSession {
  phase = $state<PhonePhase>('joining');
  errorMessage = $state('');
  transport = $state<TransportName | null>(null);
  status = $state<TransportStatus>('connecting');
  events = $state(0);
  requests = $state(0);
  bytes = $state(0);
  latencyMs = $state<number | null>(null);
  /** Increments on every fresh buzz; the island flashes when it changes. */
  buzzes = $state(0);
  lastBuzzDelayMs = $state<number | null>(null);
  lastCut = $state<{ recoveryMs: number; gaps: number } | null>(null);
  question = $state.raw<RoomQuestion | null>(null);
  answered = $state<Record<string, number>>({});

  readonly client = phoneClientId();
  private reader: TransportClient | null = null;
  private pollIntervalMs = 1000;
  private offsetMs = 0;
  private lastSeq: number | undefined;
  /** Events found missing (seq jumps, resyncs) since joining: must stay 0. */
  private gaps = 0;
  /** Browser times when a request was sent or a connection opened: when the phone was reading again. */
  private openings: number[] = [];
  private pendingCut: PendingCut | null = null;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private channel = '';
  private heldTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly room: string) {}

  async start(): Promise<void> {
    try {
      this.offsetMs = (await estimateClockOffset(() => sampleServerClock(), 5)).offsetMs;
      const joined = await joinRoom(this.room, this.client);
      if (this.stopped) return;
      this.pollIntervalMs = joined.pollIntervalMs;
      this.channel = joined.channel;
      this.phase = 'in-room';
      this.read(joined.transport, savedCursor(this.room) ?? joined.cursor);
      this.statsTimer = setInterval(() => void this.refreshStats(), STATS_EVERY_MS);
    } catch (error) {
      this.fail(error);
    }
  }

  stop(): void {
    this.stopped = true;
    this.reader?.stop();
    clearInterval(this.statsTimer);
    clearTimeout(this.heldTimer);
  }

  async answer(question: RoomQuestion, answer: number): Promise<void> {
    this.answered = { ...this.answered, [question.id]: answer };
    await sendReport(this.room, { client: this.client, question: question.id, answer }).catch(() => undefined);
  }

  /** Reads the channel on `transport` from `after`: a move keeps the cursor, so nothing is lost. */
  private read(transport: TransportName, after: string | undefined): void {
    this.reader?.stop();
    this.transport = transport;
    const reader = transportClients[transport](
      { channel: this.channel, client: this.client, after, pollIntervalMs: this.pollIntervalMs },
      {
        onEvent: (event, receivedAt) => reader === this.reader && this.onEvent(event, receivedAt),
        onStatus: (status) => reader === this.reader && (this.status = status === 'stopped' ? 'connecting' : status),
        onResync: () => this.gaps++,
        onExchange: (exchange) => {
          if (reader !== this.reader) return;
          if (exchange.endedAt === null) this.onOpening(exchange.startedAt);
          if (exchange.kind === 'request') this.watchHeldRequest(exchange.endedAt === null ? exchange.startedAt : null);
        },
      },
    );
    this.reader = reader;
    reader.start();
  }

  /**
   * A long poll's client says "live" only when its first reply comes, up to the hold time later;
   * but a request the server is holding is the phone listening. One still open after a second
   * (no refusal, no network error) shows as live.
   */
  private watchHeldRequest(startedAt: number | null): void {
    clearTimeout(this.heldTimer);
    if (startedAt === null) return;
    this.heldTimer = setTimeout(() => (this.status = 'live'), HELD_IS_LIVE_MS);
  }

  private onEvent(event: FeedEvent, receivedAt: number): void {
    if (this.lastSeq !== undefined && event.seq > this.lastSeq + 1) this.gaps += event.seq - this.lastSeq - 1;
    this.lastSeq = event.seq;
    this.events++;
    const latency = receivedAt + this.offsetMs - event.at;
    this.latencyMs = latency;
    saveCursor(this.room, this.reader?.cursor);
    const fresh = latency < HISTORY_MS;
    const data = event.data as RoomEvent;
    if (data.kind === 'buzz' && fresh) this.onBuzz(event.seq, latency);
    else if (data.kind === 'question') this.question = data;
    else if (data.kind === 'switch') setTimeout(() => void this.onSwitch(data.transport, data.pollIntervalMs));
    else if (data.kind === 'cut' && fresh) this.onCut(data.id, event.at);
  }

  private onBuzz(seq: number, delayMs: number): void {
    this.buzzes++;
    this.lastBuzzDelayMs = delayMs;
    navigator.vibrate?.(200);
    void sendReport(this.room, { client: this.client, seq, delayMs }).catch(() => undefined);
  }

  /** Outside the reader's callback (setTimeout above), so the old reader is not stopped mid-delivery. */
  private async onSwitch(everyone: TransportName | null, pollIntervalMs: number): Promise<void> {
    const intervalChanged = pollIntervalMs !== this.pollIntervalMs;
    this.pollIntervalMs = pollIntervalMs;
    let next = everyone;
    if (next === null) {
      // Balanced again: the room decides who goes where; joining again tells us.
      next = await joinRoom(this.room, this.client).then((reply) => reply.transport, () => this.transport);
    }
    if (!next || this.stopped) return;
    // Only the short poll's client reads the interval, and only when it is made.
    const restartPolls = intervalChanged && next === this.transport && next === 'short-poll';
    if (next !== this.transport || restartPolls) this.read(next, this.reader?.cursor);
  }

  private onCut(id: number, at: number): void {
    this.pendingCut = { id, atLocal: at - this.offsetMs, gapsBefore: this.gaps };
    // The cut event may arrive on the connection that replaced the cut one: it is already open.
    const reopened = this.openings.find((time) => time > this.pendingCut!.atLocal);
    if (reopened !== undefined) this.recovered(reopened);
    else setTimeout(() => this.pendingCut?.id === id && (this.pendingCut = null), RECOVERY_GIVE_UP_MS);
  }

  private onOpening(startedAt: number): void {
    this.openings = [...this.openings.slice(-9), startedAt];
    if (this.pendingCut && startedAt > this.pendingCut.atLocal) this.recovered(startedAt);
  }

  private recovered(reopenedAt: number): void {
    const cut = this.pendingCut!;
    this.pendingCut = null;
    const recoveryMs = Math.max(0, reopenedAt - cut.atLocal);
    setTimeout(() => {
      const gaps = this.gaps - cut.gapsBefore;
      this.lastCut = { recoveryMs, gaps };
      void sendReport(this.room, { client: this.client, cut: cut.id, recoveryMs, gaps }).catch(() => undefined);
    }, GAP_WATCH_MS);
  }

  private async refreshStats(): Promise<void> {
    const stats: StatsReply | null = await fetchStats(this.client).catch(() => null);
    if (!stats) return;
    const figures = TRANSPORTS.map((name) => stats.transports[name]);
    this.requests = figures.reduce((sum, f) => sum + f.requests, 0);
    this.bytes = figures.reduce((sum, f) => sum + allBytes(f), 0);
  }

  private fail(error: unknown): void {
    if (isGone(error)) this.phase = 'gone';
    else if (error instanceof ServerRefusedError && error.code === 'room_full') this.phase = 'full';
    else if (error instanceof ServerUnreachableError) this.phase = 'offline';
    else {
      this.phase = 'error';
      this.errorMessage = error instanceof Error ? error.message : String(error);
    }
  }
}
