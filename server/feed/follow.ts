import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel, StoredEvent, Subscriber } from './channel.ts';

/** Where a stream transport writes: only framing lives in the transport. */
export interface FeedSink {
  /** Bytes handed to the socket but not yet sent to the peer. */
  readonly unsentBytes: number;
  /** The cursor the stream continues from; `resync` when the reader's cursor was lost. */
  start(cursor: string, resync: boolean): void;
  event(stored: StoredEvent): void;
  /** Calls `callback` once when the socket has drained; returns a function that cancels it. */
  onDrain(callback: () => void): () => void;
  /** The reader stayed at the unsent cap too long: close so it resumes from its cursor. */
  tooSlow(): void;
}

export interface FollowLimits {
  /** A sink is not written to while this many bytes are unsent (the per-connection cap). */
  maxUnsentBytes: number;
  /** A sink that stays at the cap this long is told `tooSlow`. */
  slowConsumerMs: number;
}

/**
 * Delivers a channel to one reader: the backlog after its cursor, then live, in order, with no
 * gap and no duplicate. It pulls from the channel's ring buffer by seq instead of queueing per
 * reader, so a slow reader costs at most `maxUnsentBytes`: while the socket is full it waits for
 * 'drain', and the events it still owes stay in the buffer (one copy for everyone). A reader that
 * falls out of the buffer is told to start over (`start(…, true)`). `stop()` releases the
 * subscription, the drain listener and the timer; call it on every exit path.
 *
 * One object per reader with prototype methods (no closures): 10,000 sockets hold 10,000 of these.
 */
export class Follower implements Subscriber {
  private sentUpTo: number;
  private stopped = false;
  private cancelDrain: (() => void) | null = null;
  private slowTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: Channel,
    from: CursorPosition | null,
    private readonly sink: FeedSink,
    private readonly limits: FollowLimits,
  ) {
    const start = channel.startOf(from);
    this.sentUpTo = start.seq;
    sink.start(channel.cursorAt(this.sentUpTo), start.resync);
    channel.add(this);
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.channel.unsubscribe(this);
    this.cancelDrain?.();
    this.cancelDrain = null;
    clearTimeout(this.slowTimer);
  }

  wake(): void {
    this.pump();
  }

  /** The channel cuts its readers: close the connection the way a stuck reader's is closed
   * (`tooSlow`: WebSocket 1013, HTTP stream destroyed), so the client resumes from its cursor. */
  disconnect(): void {
    if (this.stopped) return;
    this.stop();
    this.sink.tooSlow();
  }

  private waitForDrain(): void {
    this.cancelDrain = this.sink.onDrain(() => {
      this.cancelDrain = null;
      clearTimeout(this.slowTimer);
      this.pump();
    });
    this.slowTimer = setTimeout(() => {
      this.stop();
      this.sink.tooSlow();
    }, this.limits.slowConsumerMs);
  }

  private pump(): void {
    if (this.stopped || this.cancelDrain) return;
    const { channel, sink } = this;
    try {
      for (;;) {
        if (this.sentUpTo >= channel.latestSeq) return; // caught up: the next publish wakes us
        if (this.sentUpTo + 1 < channel.firstHeldSeq) {
          // Fell behind what the buffer holds: the events in between are gone.
          this.sentUpTo = channel.firstHeldSeq - 1;
          sink.start(channel.cursorAt(this.sentUpTo), true);
        }
        if (sink.unsentBytes >= this.limits.maxUnsentBytes) return this.waitForDrain();
        sink.event(channel.eventAt(this.sentUpTo + 1)!);
        this.sentUpTo++;
      }
    } catch (error) {
      // A socket that broke mid-write: this reader is done, the channel and the others are not.
      console.error('follow: dropping a reader after a write error:', error);
      this.stop();
      sink.tooSlow();
    }
  }
}

/** A Follower, as a function that returns its `stop`. */
export function follow(channel: Channel, from: CursorPosition | null, sink: FeedSink, limits: FollowLimits): () => void {
  const follower = new Follower(channel, from, sink, limits);
  return () => follower.stop();
}
