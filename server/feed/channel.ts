import type { FeedEvent, PollReply } from '../../src/protocol/feed.ts';

export interface ChannelLimits {
  maxEvents: number;
  maxAgeMs: number;
}

type Listener = (event: FeedEvent) => void;

/**
 * One numbered stream of events: assigns `seq` and server time, keeps a bounded ring buffer
 * (by count and by age, whichever is smaller) and wakes subscribers. Transports only read.
 */
export class Channel {
  private lastSeq = 0;
  private readonly buffer: FeedEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly id: string,
    private readonly limits: ChannelLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get latestSeq(): number {
    return this.lastSeq;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  publish(data: unknown): FeedEvent {
    const event: FeedEvent = { seq: ++this.lastSeq, at: this.now(), channel: this.id, data };
    this.buffer.push(event);
    if (this.buffer.length > this.limits.maxEvents) this.buffer.shift();
    this.evictOld();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /**
   * Events with seq > after. `resync` is true when some of them have already left the buffer
   * (or `after` is from the future, as after a server restart): the reader missed events.
   */
  since(after: number): PollReply {
    this.evictOld();
    const firstHeld = this.buffer[0]?.seq ?? this.lastSeq + 1;
    const resync = after < firstHeld - 1 || after > this.lastSeq;
    const events = resync ? this.buffer.slice() : this.buffer.slice(this.indexAfter(after));
    return { events, cursor: this.lastSeq, resync };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true as soon as an event newer than `after` exists, false on timeout or abort. */
  waitForNewer(after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    // Newer events exist, or the cursor is from the future (a resync): answer at once.
    if (this.lastSeq !== after) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (found: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(found);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const unsubscribe = this.subscribe(() => finish(true));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private indexAfter(after: number): number {
    // seq numbers in the buffer are consecutive, so the position is arithmetic.
    const first = this.buffer[0]?.seq ?? this.lastSeq + 1;
    return Math.max(0, after + 1 - first);
  }

  private evictOld(): void {
    const oldestAllowed = this.now() - this.limits.maxAgeMs;
    while (this.buffer.length > 0 && this.buffer[0]!.at < oldestAllowed) this.buffer.shift();
  }
}
