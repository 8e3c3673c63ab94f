import { randomInt } from 'node:crypto';
import { formatCursor, type CursorPosition } from '../../src/protocol/cursor.ts';
import type { FeedEvent } from '../../src/protocol/feed.ts';
import type { TransportName } from '../../src/protocol/transports.ts';

export interface ChannelLimits {
  maxEvents: number;
  maxAgeMs: number;
  /** The buffer's JSON bytes: a 64 KiB-payload channel must not pin 1,000 × 64 KiB. */
  maxBytes: number;
}

/**
 * An event as the buffer keeps it: encoded to JSON once, at publish, and shared by every
 * reader; transports cache their framed form on it (`framed`) so a fan-out to 10,000 sockets
 * encodes once, not 10,000 times.
 */
export class StoredEvent {
  readonly json: string;
  readonly bytes: number;
  /** Framed bytes per transport (and for the chat), filled lazily by the one that needs them. */
  readonly framed: Partial<Record<TransportName | 'chat', Buffer>> = {};

  /** `json`: the event's JSON as another process encoded it (a Redis replica keeps its bytes). */
  constructor(
    readonly event: FeedEvent,
    json: string = JSON.stringify(event),
  ) {
    this.json = json;
    this.bytes = Buffer.byteLength(json);
  }
}

/** Where a reader starts: after `seq`; `resync` when its cursor could not be honoured. */
export interface StartPoint {
  seq: number;
  resync: boolean;
}

/** One page of a poll reply. */
export interface Page {
  events: StoredEvent[];
  /** The cursor after the last event of the page (or the start point when empty). */
  cursor: string;
  resync: boolean;
  /** The page was cut at its byte cap: more events are ready now. */
  more: boolean;
}

type Listener = (stored: StoredEvent) => void;

/** A subscriber that is an object (one per reader, held for its whole life): no closure needed. */
export interface Subscriber {
  /** A new event was published (`undefined`: no new event, answer now; see `disconnectReaders`). */
  wake(stored?: StoredEvent): void;
  /** Close this reader's connection so it resumes from its cursor (a stream or a socket). */
  disconnect?(): void;
}

/** Short random id of one run of a channel: "<feedId>-<seq>" cursors carry it. */
export const newFeedId = () => randomInt(36 ** 6).toString(36).padStart(6, '0');

/**
 * One numbered stream of events: assigns `seq` and server time, keeps a bounded ring buffer
 * (by count, age and bytes, whichever binds first) and wakes subscribers. Transports only read.
 * With Redis (server/feed/redis/), a channel is this process's replica of a Redis stream: the
 * stream assigns `seq`, and the events arrive through `append`.
 */
export class Channel {
  /** Identifies this run of the channel; a restart gives it a new one (README "cursor"). */
  private currentFeedId: string;
  private lastSeq = 0;
  private readonly buffer: StoredEvent[] = [];
  private bufferBytes = 0;
  private readonly listeners = new Set<Listener | Subscriber>();

  constructor(
    readonly id: string,
    private readonly limits: ChannelLimits,
    private readonly now: () => number = Date.now,
    feedId: string = newFeedId(),
  ) {
    this.currentFeedId = feedId;
  }

  get feedId(): string {
    return this.currentFeedId;
  }

  get latestSeq(): number {
    return this.lastSeq;
  }

  /** The seq of the oldest event still held (latestSeq + 1 when the buffer is empty). */
  get firstHeldSeq(): number {
    return this.buffer[0]?.event.seq ?? this.lastSeq + 1;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Readers (streams, sockets, held polls) that `disconnectReaders` would cut. */
  get readerCount(): number {
    let readers = 0;
    for (const listener of this.listeners) if (typeof listener !== 'function') readers++;
    return readers;
  }

  cursorAt(seq: number): string {
    return formatCursor(this.feedId, seq);
  }

  publish(data: unknown): FeedEvent {
    const stored = new StoredEvent({ seq: this.lastSeq + 1, at: this.now(), channel: this.id, data });
    this.append(stored);
    return stored.event;
  }

  /**
   * Adds an event numbered elsewhere (a replica's, from Redis): one already held is ignored, and
   * one past a gap (events trimmed before this process read them) empties the buffer first, so
   * it stays contiguous and readers that fall in the gap are told to resync.
   */
  append(stored: StoredEvent): void {
    const { seq } = stored.event;
    if (seq <= this.lastSeq) return;
    if (seq !== this.lastSeq + 1) this.clearBuffer();
    this.lastSeq = seq;
    this.buffer.push(stored);
    this.bufferBytes += stored.bytes;
    // Keep at least the newest event, whatever its size, so live readers always get it.
    while (this.buffer.length > 1 && (this.buffer.length > this.limits.maxEvents || this.bufferBytes > this.limits.maxBytes)) this.dropOldest();
    this.evictOld();
    for (const listener of this.listeners) {
      // One reader's bug must not stop the event reaching the others.
      try {
        if (typeof listener === 'function') listener(stored);
        else listener.wake(stored);
      } catch (error) {
        console.error('BUG: channel listener threw:', error);
      }
    }
  }

  /**
   * A new run under `feedId` (its Redis stream was lost, e.g. a Redis restart without
   * persistence): the buffer empties, `seq` starts over, and readers are cut so they come back
   * with their old cursor and are told to resync.
   */
  restart(feedId: string): void {
    this.currentFeedId = feedId;
    this.lastSeq = 0;
    this.clearBuffer();
    this.disconnectReaders();
  }

  /**
   * Where a reader with this cursor starts. Omitted (null): live from now. A cursor from
   * another run of the channel (a restart), an old-style bare number, one from the future, or
   * one older than the buffer all resync: the reader starts at the oldest event held.
   */
  startOf(position: CursorPosition | null): StartPoint {
    this.evictOld();
    if (position === null) return { seq: this.lastSeq, resync: false };
    const oldest = this.firstHeldSeq - 1;
    const fromThisRun = position.feedId === this.feedId || (position.feedId === null && position.seq === 0);
    if (!fromThisRun || position.seq > this.lastSeq || position.seq < oldest) return { seq: oldest, resync: true };
    return { seq: position.seq, resync: false };
  }

  /** The held event with this seq, if any. */
  eventAt(seq: number): StoredEvent | undefined {
    const index = seq - this.firstHeldSeq;
    return index >= 0 ? this.buffer[index] : undefined;
  }

  /**
   * Events after the reader's cursor, up to `maxBytes` of JSON (at least one event, so a
   * page always makes progress): a poll reply that no request can inflate to megabytes.
   */
  page(start: StartPoint, maxBytes: number): Page {
    this.evictOld();
    // The buffer may have moved on since the start point was taken (a long poll's wait), or the
    // channel began a new run under it (`restart`): either way the reader starts over.
    const behind = start.seq < this.firstHeldSeq - 1 || start.seq > this.lastSeq;
    const from = behind ? this.firstHeldSeq - 1 : start.seq;
    const events: StoredEvent[] = [];
    let bytes = 0;
    for (let seq = from + 1; seq <= this.lastSeq; seq++) {
      const stored = this.eventAt(seq)!;
      if (events.length > 0 && bytes + stored.bytes > maxBytes) break;
      events.push(stored);
      bytes += stored.bytes;
    }
    const last = events.at(-1)?.event.seq ?? from;
    return { events, cursor: this.cursorAt(last), resync: start.resync || behind, more: last < this.lastSeq };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wakes `subscriber` on every publish until `unsubscribe(subscriber)`. */
  add(subscriber: Subscriber): void {
    this.listeners.add(subscriber);
  }

  unsubscribe(subscriber: Subscriber): void {
    this.listeners.delete(subscriber);
  }

  /**
   * Cuts every reader of this channel at once (a classroom's "cut", issue #10; a room that
   * ends): stream and socket readers are disconnected and resume from their cursor; a held
   * long poll, which has no `disconnect`, is woken and answers at once, which for a poll is how
   * its connection ends. Function listeners are not readers and stay. Returns how many were cut.
   */
  disconnectReaders(): number {
    let cut = 0;
    for (const listener of [...this.listeners]) {
      if (typeof listener === 'function') continue;
      try {
        if (listener.disconnect) listener.disconnect();
        else listener.wake();
      } catch (error) {
        console.error('BUG: disconnecting a reader threw:', error);
      }
      this.listeners.delete(listener);
      cut++;
    }
    return cut;
  }

  /**
   * Resolves true as soon as an event newer than `after` exists, false on timeout or when any
   * signal aborts. Every listener and the timer are released whichever comes first.
   */
  waitForNewer(after: number, timeoutMs: number, signals: readonly AbortSignal[] = []): Promise<boolean> {
    // Newer events exist, or the cursor is from the future (a resync): answer at once.
    if (this.lastSeq !== after) return Promise.resolve(true);
    if (signals.some((signal) => signal.aborted)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (found: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
        resolve(found);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const unsubscribe = this.subscribe(() => finish(true));
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private clearBuffer(): void {
    this.buffer.length = 0;
    this.bufferBytes = 0;
  }

  private dropOldest(): void {
    this.bufferBytes -= this.buffer.shift()!.bytes;
  }

  private evictOld(): void {
    const oldestAllowed = this.now() - this.limits.maxAgeMs;
    while (this.buffer.length > 0 && this.buffer[0]!.event.at < oldestAllowed) this.dropOldest();
  }
}
