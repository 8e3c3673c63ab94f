import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel, StoredEvent } from './channel.ts';

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
 * falls out of the buffer is told to start over (`start(…, true)`). Returns `stop`, which
 * releases the subscription, the drain listener and the timer; call it on every exit path.
 */
export function follow(channel: Channel, from: CursorPosition | null, sink: FeedSink, limits: FollowLimits): () => void {
  const start = channel.startOf(from);
  let sentUpTo = start.seq;
  let stopped = false;
  let cancelDrain: (() => void) | null = null;
  let slowTimer: NodeJS.Timeout | undefined;

  const stop = () => {
    stopped = true;
    unsubscribe();
    cancelDrain?.();
    cancelDrain = null;
    clearTimeout(slowTimer);
  };

  const waitForDrain = () => {
    cancelDrain = sink.onDrain(() => {
      cancelDrain = null;
      clearTimeout(slowTimer);
      pump();
    });
    slowTimer = setTimeout(() => {
      stop();
      sink.tooSlow();
    }, limits.slowConsumerMs);
  };

  const pump = () => {
    if (stopped || cancelDrain) return;
    try {
      for (;;) {
        if (sentUpTo >= channel.latestSeq) return; // caught up: the next publish wakes us
        if (sentUpTo + 1 < channel.firstHeldSeq) {
          // Fell behind what the buffer holds: the events in between are gone.
          sentUpTo = channel.firstHeldSeq - 1;
          sink.start(channel.cursorAt(sentUpTo), true);
        }
        if (sink.unsentBytes >= limits.maxUnsentBytes) return waitForDrain();
        sink.event(channel.eventAt(sentUpTo + 1)!);
        sentUpTo++;
      }
    } catch (error) {
      // A socket that broke mid-write: this reader is done, the channel and the others are not.
      console.error('follow: dropping a reader after a write error:', error);
      stop();
      sink.tooSlow();
    }
  };

  sink.start(channel.cursorAt(sentUpTo), start.resync);
  const unsubscribe = channel.subscribe(pump);
  pump();
  return stop;
}
