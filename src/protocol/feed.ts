// The wire contract both sides import: what an event looks like, what each transport
// sends, and the names and close codes of every error. README "Wire protocol" documents it.

/** One numbered event of a channel. `seq` counts up from 1 per channel with no gaps. */
export interface FeedEvent<T = unknown> {
  seq: number;
  /** Server clock, epoch milliseconds, taken when the event was published. */
  at: number;
  channel: string;
  data: T;
}

/** Reply of `GET /api/short-poll` and `GET /api/long-poll`. */
export interface PollReply {
  events: FeedEvent[];
  /** The cursor ("<feed id>-<seq>") to pass as `after` next time. */
  cursor: string;
  /**
   * True when `after` was older than the buffer holds, or from another run of the channel
   * (a restart): events were missed, reset. The reply then starts at the oldest event held.
   */
  resync: boolean;
  /** Present when the reply was cut at the page size: ask again at once from `cursor`. */
  more?: true;
}

/**
 * Text messages on `/ws/feed`: first `start` (the cursor the stream continues from; `resync`
 * as in a poll reply), then events. A reader that falls behind the buffer gets `start` again
 * with `resync: true`.
 */
export type FeedSocketMessage =
  | { type: 'start'; cursor: string; resync: boolean }
  | { type: 'event'; event: FeedEvent };

/** Text messages on `/ws/chat`. */
export type ChatMessage =
  | { type: 'chat'; from: string; text: string; at: number }
  | { type: 'join' | 'leave'; name: string; at: number; members: number };

export { TRANSPORTS, type TransportName } from './transports.ts';
import type { TransportName } from './transports.ts';

/** Per transport, what `/api/stats` reports. Every byte on the wire lands in exactly one byte field. */
export interface TransportFigures {
  requests: number;
  requestHeaderBytes: number;
  responseHeaderBytes: number;
  payloadBytes: number;
  framingBytes: number;
  framesIn: number;
  framesOut: number;
  openConnections: number;
}

export interface StatsReply {
  client: string | null;
  transports: Record<TransportName, TransportFigures>;
  /** Bytes of requests that belong to no transport (pages, /api/stats itself, echo, chat). */
  other: TransportFigures;
}

/** Body of `POST /api/channels`. */
export interface ChannelRequest {
  intervalMs: number;
  payloadBytes: number;
  durationMs: number;
}

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_CHANNEL = 'ticker';
