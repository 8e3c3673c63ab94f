import type { TransportFigures } from '../../src/protocol/feed.ts';
import type {
  BuzzReply,
  CutReply,
  JoinReply,
  QuestionReply,
  QuestionRequest,
  RoomAggregate,
  RoomEvent,
  StreamReply,
  SwitchReply,
  SwitchRequest,
} from '../../src/protocol/rooms.ts';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';
import type { Channel } from '../feed/channel.ts';
import type { Feed, PublishOptions } from '../feed/feed.ts';
import type { Ledger } from '../wire/ledger.ts';
import { RoomMembers } from './members.ts';
import { RoomResults, type ReportOutcome } from './results.ts';

export interface RoomOptions {
  maxMembers: number;
  pollIntervalMs: number;
}

interface RunningStream {
  id: number;
  perSecond: number;
  sent: number;
  of: number;
  timer: NodeJS.Timeout;
}

/**
 * One classroom: its members, what they reported, and the events the teacher publishes on its
 * channel (an ordinary feed channel, so phones read it through every transport). The only
 * timer a room owns is its running stream's; `end()` clears it.
 */
export class Room {
  private readonly members: RoomMembers;
  private readonly results = new RoomResults();
  private everyone: TransportName | null = null;
  private pollIntervalMs: number;
  private stream: RunningStream | null = null;
  private buzzes = 0;
  private streams = 0;
  private cuts = 0;
  lastActiveAt: number;

  constructor(
    readonly code: string,
    readonly teacherKey: string,
    readonly channel: Channel,
    private readonly feed: Feed,
    options: RoomOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.members = new RoomMembers(options.maxMembers);
    this.pollIntervalMs = options.pollIntervalMs;
    this.lastActiveAt = now();
  }

  /** Any request about the room keeps it alive (the projector's refresh included). */
  touch(): void {
    this.lastActiveAt = this.now();
  }

  get hasRunningStream(): boolean {
    return this.stream !== null;
  }

  /** Null when the room is full and `client` is new. */
  join(client: string, transport: TransportName | undefined): JoinReply | null {
    const assigned = this.members.join(client, transport, this.everyone);
    if (assigned === null) return null;
    return { transport: assigned, channel: this.channel.id, cursor: this.channel.cursorAt(this.channel.latestSeq), pollIntervalMs: this.pollIntervalMs };
  }

  isMember(client: string): boolean {
    return this.members.transportOf(client) !== undefined;
  }

  async buzz(): Promise<BuzzReply> {
    const id = ++this.buzzes;
    const event = await this.publish({ kind: 'buzz', id });
    this.results.addBuzz(id, event.seq, event.at);
    return { id, seq: event.seq };
  }

  /** `perSecond` events a second for `seconds` s; a new stream replaces a running one. */
  startStream(perSecond: number, seconds: number): StreamReply {
    this.stopStream();
    const of = perSecond * seconds;
    const id = ++this.streams;
    const timer = setInterval(() => this.streamTick(), 1000 / perSecond);
    timer.unref();
    this.stream = { id, perSecond, sent: 0, of, timer };
    return { events: of };
  }

  async switchTo(request: SwitchRequest): Promise<SwitchReply> {
    if (request.pollIntervalMs !== undefined) this.pollIntervalMs = request.pollIntervalMs;
    if (request.transport !== undefined) {
      this.everyone = request.transport;
      this.members.switchAll(request.transport);
    }
    await this.publish({ kind: 'switch', transport: this.everyone, pollIntervalMs: this.pollIntervalMs });
    return { transport: this.everyone, pollIntervalMs: this.pollIntervalMs };
  }

  /**
   * Publishes a `cut` event, then cuts every connection reading the channel at once (in a
   * cluster, every instance cuts its own readers when it reads the event): phones reconnect and
   * resume from their cursor, the `cut` event included, so they can time their recovery from it.
   * `disconnected` counts the readers of the instance that answered.
   */
  async cut(): Promise<CutReply> {
    const id = ++this.cuts;
    const readers = this.channel.readerCount;
    const event = await this.publish({ kind: 'cut', id }, { cutReaders: true });
    this.results.addCut(id, event.seq, event.at);
    return { disconnected: readers };
  }

  async question(request: QuestionRequest): Promise<QuestionReply> {
    const event = await this.publish({ kind: 'question', id: request.id, prompt: request.prompt, ...(request.choices ? { choices: request.choices } : {}) });
    this.results.addQuestion(request.id, request.prompt, request.choices, event.seq);
    return { id: request.id, seq: event.seq };
  }

  /** Filed under the transport the member is on when the report arrives. */
  reportDelay(client: string, seq: number, delayMs: number): ReportOutcome {
    const transport = this.members.transportOf(client);
    return transport ? this.results.reportDelay(client, transport, seq, delayMs) : 'unknown';
  }

  reportCut(client: string, cut: number, recoveryMs: number, gaps: number): ReportOutcome {
    const transport = this.members.transportOf(client);
    return transport ? this.results.reportCut(client, transport, cut, recoveryMs, gaps) : 'unknown';
  }

  answer(client: string, question: string, answer: number): ReportOutcome {
    return this.results.answer(client, question, answer);
  }

  aggregate(ledger: Ledger, idleTimeoutMs: number): RoomAggregate {
    const stream = this.stream && { id: this.stream.id, perSecond: this.stream.perSecond, sent: this.stream.sent, of: this.stream.of };
    return {
      room: this.code,
      channel: this.channel.id,
      members: this.members.counts(),
      transport: this.everyone,
      pollIntervalMs: this.pollIntervalMs,
      ...this.results.summary(),
      stream,
      ledger: this.ledgerOfMembers(ledger),
      idleTimeoutMs,
    };
  }

  /** Clears the room's timer; the registry removes its channel. */
  end(): void {
    this.stopStream();
  }

  /** The ledger's figures per transport, summed over the members' client ids. */
  private ledgerOfMembers(ledger: Ledger): Record<TransportName, TransportFigures> {
    const sums = ledger.stats(null).transports; // fresh copies, zeroed below, in the ledger's shape
    for (const figures of Object.values(sums)) for (const field of Object.keys(figures) as (keyof TransportFigures)[]) figures[field] = 0;
    for (const client of this.members.clients()) {
      const own = ledger.stats(client).transports;
      for (const name of TRANSPORTS) {
        for (const field of Object.keys(own[name]) as (keyof TransportFigures)[]) sums[name][field] += own[name][field];
      }
    }
    return sums;
  }

  private streamTick(): void {
    const stream = this.stream;
    if (!stream) return;
    stream.sent++;
    this.publish({ kind: 'stream', stream: stream.id, index: stream.sent, of: stream.of }).catch((error) => {
      console.error('room: a stream event could not be published:', (error as Error).message);
    });
    if (stream.sent >= stream.of) this.stopStream();
  }

  private stopStream(): void {
    if (!this.stream) return;
    clearInterval(this.stream.timer);
    this.stream = null;
  }

  private publish(data: RoomEvent, options?: PublishOptions) {
    return this.feed.publish(this.channel, data, options);
  }
}
