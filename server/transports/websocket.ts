import type { Socket } from 'node:net';
import { transportSpec } from '../../src/protocol/transports.ts';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import type { WSContext } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import type WebSocket from 'ws';
import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel, StoredEvent } from '../feed/channel.ts';
import { Follower, type FeedSink, type FollowLimits } from '../feed/follow.ts';
import { resolveFeed } from '../guard/query.ts';
import { closeTooSlow, mountSocket, rawSocket } from './socket-helpers.ts';
import type { Transport } from './types.ts';

/** Where the feed is written for one WebSocket (prototype methods: one object per socket). */
class WebSocketSink implements FeedSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly tcp: Socket,
  ) {}

  get unsentBytes(): number {
    return this.socket.bufferedAmount;
  }

  start(cursor: string, resync: boolean): void {
    this.socket.send(`{"type":"start","cursor":"${cursor}","resync":${resync}}`);
  }

  event(stored: StoredEvent): void {
    this.socket.send((stored.framed.websocket ??= Buffer.from(`{"type":"event","event":${stored.json}}`)), { binary: false });
  }

  onDrain(callback: () => void): () => void {
    const tcp = this.tcp;
    tcp.once('drain', callback);
    return () => tcp.off('drain', callback);
  }

  tooSlow(): void {
    closeTooSlow(this.socket);
  }
}

/** One feed socket's handlers, as the adapter calls them. */
class FeedSocket {
  private follower: Follower | null = null;
  private closed = false;

  constructor(
    private readonly channel: Channel,
    private readonly from: CursorPosition | null,
    private readonly limits: FollowLimits,
  ) {}

  onOpen(_event: Event, ws: WSContext<WebSocketLike>): void {
    if (this.closed) return;
    const socket = rawSocket(ws);
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    this.follower = new Follower(this.channel, this.from, new WebSocketSink(socket, tcp), this.limits);
  }

  onMessage(_event: MessageEvent, ws: WSContext<WebSocketLike>): void {
    ws.close(CLOSE_CODES.policyViolation, 'this socket only sends');
  }

  onClose(): void {
    this.closed = true;
    this.follower?.stop();
  }
}

/**
 * The feed over one WebSocket: `{"type":"start","cursor","resync"}`, then the replay from the
 * cursor and live events, as text messages. The socket only sends: a client message closes it
 * with 1008. A reader that stays at the unsent-bytes cap is closed with 1013 and resumes.
 */
export const websocket: Transport = {
  name: 'websocket',
  path: transportSpec('websocket').path,
  mount(app, deps) {
    const limits: FollowLimits = { maxUnsentBytes: deps.config.sendBufferMaxBytes, slowConsumerMs: deps.config.slowConsumerMs };
    mountSocket(app, this.path, deps, async (query) => {
      const resolved = await resolveFeed(query, deps.feed);
      if (!resolved.ok) return resolved.refusal;
      return new FeedSocket(resolved.channel, resolved.from, limits);
    });
  },
};
