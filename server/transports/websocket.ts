import { transportSpec } from '../../src/protocol/transports.ts';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import type WebSocket from 'ws';
import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel } from '../feed/channel.ts';
import { Follower, type FollowLimits } from '../feed/follow.ts';
import { resolveFeed } from '../guard/query.ts';
import { SocketFeedSink, type SocketFraming } from './socket-helpers.ts';
import { mountSocket } from './socket-session.ts';
import type { SocketEndpoint } from './socket-routes.ts';
import type { Transport } from './types.ts';

/** The feed socket's messages: `start` with the cursor, then each event in its envelope. */
const FEED_FRAMING: SocketFraming = {
  start: (cursor, resync) => `{"type":"start","cursor":"${cursor}","resync":${resync}}`,
  event: (stored) => (stored.framed.websocket ??= Buffer.from(`{"type":"event","event":${stored.json}}`)),
};

/** One feed socket. */
class FeedSocket implements SocketEndpoint {
  private follower: Follower | null = null;

  constructor(
    private readonly channel: Channel,
    private readonly from: CursorPosition | null,
    private readonly limits: FollowLimits,
  ) {}

  // The session calls onClose only after onOpen, and each once.
  onOpen(socket: WebSocket): void {
    this.follower = new Follower(this.channel, this.from, new SocketFeedSink(socket, FEED_FRAMING), this.limits);
  }

  onMessage(_message: string | Buffer, socket: WebSocket): void {
    socket.close(CLOSE_CODES.policyViolation, 'this socket only sends');
  }

  onClose(): void {
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
