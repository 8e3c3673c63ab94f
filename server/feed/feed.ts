import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { ChannelRequest, FeedEvent } from '../../src/protocol/feed.ts';
import type { FeedHealth } from '../api/health.ts';
import type { Channel, ChannelLimits } from './channel.ts';

export interface FeedOptions extends ChannelLimits {
  tickerIntervalMs: number;
  maxPrivateChannels: number;
}

export class TooManyChannelsError extends Error {}

/** The shared store is unreachable (Redis down): answer 503 / close 1013, the client retries. */
export class FeedUnavailableError extends Error {}

/**
 * All channels: the always-on ticker, private self-ending race channels, classroom rooms'
 * channels. Two implementations: `MemoryFeed` (one process, the default) and `RedisFeed`
 * (REDIS_URL: every instance reads the same Redis streams). Either way transports read a local
 * `Channel`, so their code does not know which one runs.
 */
export interface Feed {
  /** For /api/health: the backend, and with Redis its connection's state. */
  health(): FeedHealth;
  /** A channel this process already reads. */
  get(id: string): Channel | undefined;
  /**
   * The channel, or undefined when it does not exist. With Redis this attaches a channel that
   * another instance created, and waits until this replica holds `from` (a cursor handed out by
   * another instance, a moment ahead of this one). Rejects with FeedUnavailableError.
   */
  open(id: string, from: CursorPosition | null): Promise<Channel | undefined>;
  /** Publishes into a channel: the event as every reader will see it. */
  publish(channel: Channel, data: unknown, options?: PublishOptions): Promise<FeedEvent>;
  /**
   * A channel of its own for one race, so concurrent readers don't disturb each other. Its
   * producer publishes exactly floor(durationMs / intervalMs) events (at least one), one every
   * `intervalMs`, then stops (`onEnd`); the channel stays readable for one buffer age after that.
   */
  createPrivate(request: ChannelRequest, onEnd?: () => void): Promise<Channel>;
  /** A channel for one classroom room: no producer; the room publishes into it. */
  createRoomChannel(): Promise<Channel>;
  /**
   * Keeps a room's channel for `ttlMs` more (the room was asked about). With Redis a room's
   * keys expire when idle, so a cluster forgets a room even if no instance is left to end it.
   */
  touchRoomChannel(channel: Channel, ttlMs: number): Promise<void>;
  /** Ends a room's channel: its readers are cut and it no longer resolves (404 to readers). */
  removeRoomChannel(channel: Channel): void;
  /**
   * A channel any instance may open by name, created on first use, with no producer (a chat
   * room, which its members publish into); `open` does not return it, so the feed's endpoints
   * cannot read it. `releaseNamed` when this process's last reader of it has gone; in Redis its
   * keys expire by `touchRoomChannel`.
   */
  openNamed(id: string): Promise<Channel>;
  releaseNamed(channel: Channel): void;
  /** Adds `delta` to a count kept with the channel, across instances (a chat room's members); the new count. */
  count(channel: Channel, delta: number): Promise<number>;
  /** Stops every producer and connection (shutdown, tests). */
  close(): Promise<void>;
}

export interface PublishOptions {
  /** After this event, cut every reader of the channel (a classroom's "cut"), on every instance. */
  cutReaders?: boolean;
}
