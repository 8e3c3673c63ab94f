import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { StoredEvent } from '../feed/channel.ts';
import type { FeedSink } from '../feed/follow.ts';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';

/** How long a socket closed for being too slow may take to read our close frame before it is cut. */
const TOO_SLOW_GRACE_MS = 2000;

/**
 * Closes a reader that could not keep up with 1013 (try again later: reconnect from your
 * cursor). Its close frame waits behind the unsent bytes, so a peer that is not reading at all
 * is cut after a short grace instead of ws's 30 s, and its buffer is freed.
 */
export function closeTooSlow(socket: WebSocket): void {
  socket.close(CLOSE_CODES.tryAgainLater, 'too slow: reconnect from your cursor');
  setTimeout(() => socket.terminate(), TOO_SLOW_GRACE_MS).unref();
}

/**
 * Sends unless the peer already has `maxUnsentBytes` waiting (it stopped reading): then it is
 * closed with 1013 instead of growing our memory. For echo and chat, which have no cursor to
 * resume from; the feed uses `follow`, which waits for 'drain' instead.
 */
export function sendOrShed(socket: WebSocket, message: string | Buffer, maxUnsentBytes: number): void {
  if (socket.readyState !== 1) return;
  if (socket.bufferedAmount >= maxUnsentBytes) return closeTooSlow(socket);
  // As endpoints receive them: a string is a text message, a Buffer a binary one.
  socket.send(message, { binary: typeof message !== 'string' });
}

/** What a socket sink writes: only the framing differs between the feed socket and the chat. */
export interface SocketFraming {
  /** The opening message (cursor, resync), or null for none. */
  start(cursor: string, resync: boolean): string | null;
  /** One event's message, encoded once per event and shared by every socket (cached on it). */
  event(stored: StoredEvent): Buffer;
}

/**
 * Where a channel is written for one WebSocket (a `Follower`'s sink): backpressure from the
 * TCP socket's 'drain', a reader stuck at the cap closed with 1013. Prototype methods: one
 * object per socket.
 */
export class SocketFeedSink implements FeedSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly framing: SocketFraming,
  ) {}

  get unsentBytes(): number {
    return this.socket.bufferedAmount;
  }

  start(cursor: string, resync: boolean): void {
    const message = this.framing.start(cursor, resync);
    if (message !== null) this.socket.send(message);
  }

  event(stored: StoredEvent): void {
    this.socket.send(this.framing.event(stored), { binary: false });
  }

  onDrain(callback: () => void): () => void {
    const tcp = (this.socket as unknown as { _socket: Socket })._socket;
    tcp.once('drain', callback);
    return () => tcp.off('drain', callback);
  }

  tooSlow(): void {
    closeTooSlow(this.socket);
  }
}
