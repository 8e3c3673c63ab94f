import type { FeedEvent } from '../../src/protocol/feed.ts';
import type {
  BuzzReply,
  CutReply,
  JoinReply,
  QuestionReply,
  QuestionRequest,
  ReportRequest,
  RoomAggregate,
  RoomEvent,
  StreamReply,
  SwitchReply,
  SwitchRequest,
} from '../../src/protocol/rooms.ts';
import type { TransportName } from '../../src/protocol/transports.ts';
import type { Channel } from '../feed/channel.ts';
import type { Feed, PublishOptions } from '../feed/feed.ts';
import type { LedgerStats } from '../wire/ledger-sync.ts';
import type { RoomLog } from './room-log.ts';
import type { RoomReportOutcome, RoomState, StreamStart } from './room-state.ts';

/** A report can arrive before its buzz (cut, question) is logged, as the event goes out first: it waits this long for it. */
const RECORDED_WAIT_MS = 2000;
/** A stream whose schedule ended this long ago is over even if its last events never came (the instance running it died). */
const STREAM_GRACE_MS = 10_000;

/**
 * One classroom as this instance serves it: `state` is the fold of the room's log (members,
 * reports, settings), the actions log operations and publish events on its channel (an ordinary
 * feed channel, so phones read it through every transport). Whatever instance a request comes
 * through, it logs the same operations: the log decides. The only timer a room owns is the
 * stream this instance runs; `end()` clears it.
 */
export class Room {
  private stream: { id: number; timer: NodeJS.Timeout } | null = null;

  constructor(
    readonly code: string,
    readonly teacherKey: string,
    readonly channel: Channel,
    readonly log: RoomLog,
    private readonly state: RoomState,
    private readonly feed: Feed,
    private readonly now: () => number = Date.now,
  ) {}

  /** Any request about the room keeps it alive (the projector's refresh included). */
  touch(): void {
    this.log.touch(this.channel);
  }

  get hasRunningStream(): boolean {
    return this.stream !== null;
  }

  /** Null when the room is full and `client` is new. */
  async join(client: string, transport: TransportName | undefined): Promise<JoinReply | null> {
    const joined = await this.log.append({ type: 'join', client, ...(transport ? { transport } : {}) });
    if (!joined) return null;
    return { transport: joined.transport, channel: this.channel.id, cursor: this.channel.cursorAt(this.channel.latestSeq), pollIntervalMs: joined.pollIntervalMs };
  }

  async buzz(): Promise<BuzzReply> {
    const id = await this.log.nextId('buzz');
    const event = await this.publish({ kind: 'buzz', id });
    await this.log.append({ type: 'buzz', id, seq: event.seq, at: event.at });
    return { id, seq: event.seq };
  }

  /** `perSecond` events a second for `seconds` s, on this instance's timer; a new stream replaces a running one, wherever it runs. */
  async startStream(perSecond: number, seconds: number): Promise<StreamReply> {
    const of = perSecond * seconds;
    const id = await this.log.nextId('stream');
    await this.log.append({ type: 'stream-start', id, perSecond, of, at: this.now() });
    this.stopStream();
    let sent = 0;
    const timer = setInterval(() => {
      // Another stream was started since (through any instance): this one stops.
      if (this.state.stream?.id !== id) return this.stopStream();
      sent++;
      this.publish({ kind: 'stream', stream: id, index: sent, of }).catch((error) => {
        console.error('room: a stream event could not be published:', (error as Error).message);
      });
      if (sent >= of) this.stopStream();
    }, 1000 / perSecond);
    timer.unref();
    this.stream = { id, timer };
    return { events: of };
  }

  /** Logged before its event goes out, so a phone that joins again after the event joins after the switch. */
  async switchTo(request: SwitchRequest): Promise<SwitchReply> {
    const switched = await this.log.append({ type: 'switch', ...request });
    await this.publish({ kind: 'switch', ...switched });
    return switched;
  }

  /**
   * Publishes a `cut` event, then cuts every connection reading the channel at once (in a
   * cluster, every instance cuts its own readers when it reads the event): phones reconnect and
   * resume from their cursor, the `cut` event included, so they can time their recovery from it.
   * `disconnected` counts the readers of the instance that answered.
   */
  async cut(): Promise<CutReply> {
    const id = await this.log.nextId('cut');
    const readers = this.channel.readerCount;
    const event = await this.publish({ kind: 'cut', id }, { cutReaders: true });
    await this.log.append({ type: 'cut', id, seq: event.seq, at: event.at });
    return { disconnected: readers };
  }

  async question(request: QuestionRequest): Promise<QuestionReply> {
    const event = await this.publish({ kind: 'question', id: request.id, prompt: request.prompt, ...(request.choices ? { choices: request.choices } : {}) });
    await this.log.append({ type: 'question', id: request.id, prompt: request.prompt, ...(request.choices ? { choices: request.choices } : {}), seq: event.seq });
    return { id: request.id, seq: event.seq };
  }

  /** A buzz's delay, a cut's recovery or an answer; counted once per client however often it is sent. */
  async report(report: ReportRequest): Promise<RoomReportOutcome> {
    const op = 'question' in report ? ({ type: 'answer', ...report } as const) : ({ type: 'report', ...report } as const);
    const outcome = await this.log.append(op);
    if (outcome !== 'unknown' || !(await this.recordedSoon(report))) return outcome;
    return this.log.append(op);
  }

  /** Waits until every operation logged so far is applied here: a read then sees every answered write. */
  caughtUp(): Promise<void> {
    return this.log.caughtUp();
  }

  /** `ledger`: the cluster's figures when there is one, so the members of every instance count. */
  async aggregate(ledger: LedgerStats, idleTimeoutMs: number): Promise<RoomAggregate> {
    const figures = await ledger.sum(this.state.clients());
    return {
      room: this.code,
      channel: this.channel.id,
      ...this.state.summary(),
      stream: this.runningStream(),
      ledger: figures,
      idleTimeoutMs,
    };
  }

  /** Clears the room's timer and stops following its log; the registry removes its channel. */
  end(): void {
    this.stopStream();
    this.log.close();
  }

  /**
   * The latest stream, with `sent` read off the channel's own `stream` events (every instance's
   * copy of the channel has them, whichever instance runs the timer); null once it is over.
   */
  private runningStream(): RoomAggregate['stream'] {
    const stream = this.state.stream;
    if (!stream) return null;
    const sent = latestIndex(this.channel, stream);
    const scheduledEnd = stream.at + (stream.of / stream.perSecond) * 1000;
    if (sent >= stream.of || this.now() > scheduledEnd + STREAM_GRACE_MS) return null;
    return { id: stream.id, perSecond: stream.perSecond, sent, of: stream.of };
  }

  /** Whether the report names an event this channel carries whose operation is not applied yet, and it then is. */
  private async recordedSoon(report: ReportRequest): Promise<boolean> {
    const what = 'seq' in report ? { seq: report.seq } : 'cut' in report ? { cut: report.cut } : { question: report.question };
    if (!published(this.channel, what)) return false;
    const deadline = this.now() + RECORDED_WAIT_MS;
    while (!this.state.records(what) && this.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.state.records(what);
  }

  private stopStream(): void {
    if (!this.stream) return;
    clearInterval(this.stream.timer);
    this.stream = null;
  }

  private async publish(data: RoomEvent, options?: PublishOptions): Promise<FeedEvent> {
    const event = await this.feed.publish(this.channel, data, options);
    // The channel's first event creates its stream key in Redis: give it the room's TTL now.
    if (event.seq === 1) this.log.touch(this.channel, true);
    return event;
  }
}

/** The newest held events, newest first, back to `since` (epoch ms). */
function* newestEvents(channel: Channel, since = 0): Generator<RoomEvent & { seq: number }> {
  for (let seq = channel.latestSeq; seq >= channel.firstHeldSeq; seq--) {
    const stored = channel.eventAt(seq);
    if (!stored || stored.event.at < since) return;
    yield { ...(stored.event.data as RoomEvent), seq };
  }
}

/** The index of the newest `stream` event of this stream the channel holds (0: none yet). */
function latestIndex(channel: Channel, stream: StreamStart): number {
  for (const event of newestEvents(channel, stream.at)) if (event.kind === 'stream' && event.stream === stream.id) return event.index;
  return 0;
}

/** Whether the channel holds the buzz (by seq), cut (by id) or question (by id). */
function published(channel: Channel, what: { seq: number } | { cut: number } | { question: string }): boolean {
  if ('seq' in what) return (channel.eventAt(what.seq)?.event.data as RoomEvent | undefined)?.kind === 'buzz';
  for (const event of newestEvents(channel)) {
    if ('cut' in what ? event.kind === 'cut' && event.id === what.cut : event.kind === 'question' && event.id === what.question) return true;
  }
  return false;
}
