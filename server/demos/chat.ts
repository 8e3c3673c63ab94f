import type { Hono } from 'hono';
import type WebSocket from 'ws';
import { z } from 'zod';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import type { ChatMessage } from '../../src/protocol/feed.ts';
import type { Channel } from '../feed/channel.ts';
import { Follower, type FollowLimits } from '../feed/follow.ts';
import type { Feed } from '../feed/feed.ts';
import { parseValues } from '../guard/query.ts';
import { SocketFeedSink, type SocketFraming } from '../transports/socket-helpers.ts';
import { mountSocket } from '../transports/socket-session.ts';
import type { SocketEndpoint } from '../transports/socket-routes.ts';
import type { TransportDeps } from '../transports/types.ts';

const chatQuerySchema = z.object({
  room: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters [A-Za-z0-9_-]').default('lobby'),
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(32, 'must be at most 32 characters')
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters')
    .default('guest'),
});

/** A chat line is for people: longer text closes with 1009 instead of being sent to the whole room. */
export const CHAT_MAX_TEXT_BYTES = 4096;

/** A room nobody has written to for this long is forgotten (in Redis: its keys expire). */
const CHAT_IDLE_MS = 10 * 60_000;

/**
 * A chat socket gets each message as itself, `{"type":"chat",…}` (no cursor: a member reads live
 * from when it joined). One that falls out of the room's buffer is closed (1013), as one that
 * stays at the unsent cap is: chat has no resync to offer.
 */
const CHAT_FRAMING: SocketFraming = {
  start: () => null,
  event: (stored) => (stored.framed.chat ??= Buffer.from(JSON.stringify(stored.event.data))),
};

class ChatSink extends SocketFeedSink {
  override start(_cursor: string, resync: boolean): void {
    if (resync) this.tooSlow();
  }
}

/** One member: joins when its socket opens, publishes its lines, leaves when it closes. */
class ChatMember implements SocketEndpoint {
  private channel: Channel | null = null;
  private follower: Follower | null = null;
  private joined: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly feed: Feed,
    private readonly channelId: string,
    private readonly name: string,
    private readonly limits: FollowLimits,
  ) {}

  onOpen(socket: WebSocket): void {
    this.joined = this.join(socket).catch(() => {
      // The shared feed is unreachable (Redis): try again later.
      if (!this.closed) socket.close(CLOSE_CODES.tryAgainLater, 'the chat is unavailable; reconnect shortly');
    });
  }

  onMessage(text: string | Buffer, socket: WebSocket): void {
    if (typeof text !== 'string') return socket.close(CLOSE_CODES.unsupportedData, 'chat takes text only');
    if (Buffer.byteLength(text) > CHAT_MAX_TEXT_BYTES) return socket.close(CLOSE_CODES.messageTooBig, `chat lines are at most ${CHAT_MAX_TEXT_BYTES} bytes`);
    void this.joined?.then(() => this.say({ type: 'chat', from: this.name, text, at: Date.now() }));
  }

  onClose(): void {
    this.closed = true;
    this.follower?.stop();
    void this.joined?.then(() => this.leave());
  }

  private async join(socket: WebSocket): Promise<void> {
    const channel = await this.feed.openNamed(this.channelId);
    if (this.closed) return this.feed.releaseNamed(channel);
    // Live from now, before our own join goes out: every member sees the same order, ours included.
    this.channel = channel;
    this.follower = new Follower(channel, null, new ChatSink(socket, CHAT_FRAMING), this.limits);
    const members = await this.feed.count(channel, 1);
    await this.say({ type: 'join', name: this.name, at: Date.now(), members });
  }

  private async leave(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    this.feed.releaseNamed(channel);
    const members = await this.feed.count(channel, -1).catch(() => null);
    if (members) await this.say({ type: 'leave', name: this.name, at: Date.now(), members }).catch(() => {});
  }

  private async say(message: ChatMessage): Promise<void> {
    if (!this.channel) return;
    await this.feed.publish(this.channel, message);
    await this.feed.touchRoomChannel(this.channel, CHAT_IDLE_MS);
  }
}

/**
 * The articles' chat room, on the feed: a room is a named channel (`chat-<room>`), so its
 * members on every instance of a cluster share it and see the same order, the sender included,
 * as `{"type":"chat","from","text","at"}`, with join/leave notices and the room's member count.
 * Each member reads through a `Follower` like any feed reader (backpressure, then 1013).
 */
export function mountChat(app: Hono, deps: TransportDeps): void {
  const limits: FollowLimits = { maxUnsentBytes: deps.config.sendBufferMaxBytes, slowConsumerMs: deps.config.slowConsumerMs };
  mountSocket(app, '/ws/chat', deps, (query) => {
    const parsed = parseValues(query, chatQuerySchema);
    if (!parsed.ok) return parsed.refusal;
    return new ChatMember(deps.feed, `chat-${parsed.value.room}`, parsed.value.name, limits);
  });
}
