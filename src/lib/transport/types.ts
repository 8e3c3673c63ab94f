import type { FeedEvent, TransportName } from '../../protocol/feed.ts';

export type TransportStatus = 'connecting' | 'live' | 'retrying' | 'stopped';

export interface TransportOptions {
  /** Origin of the server; '' means this page's own origin. */
  baseUrl?: string;
  channel: string;
  /** The id the server's ledger files this client's bytes under. */
  client: string;
  /** Start after this cursor ('0': everything the server still holds); omitted = live from now. */
  after?: string;
  /** Short polling: pause between a reply and the next request. */
  pollIntervalMs?: number;
  /** Long polling: how long the server may hold a request. */
  longPollTimeoutMs?: number;
}

/** One HTTP request/response (polls) or connection (SSE, WebSocket), for the sequence diagram. */
export interface Exchange {
  transport: TransportName;
  kind: 'request' | 'connection';
  startedAt: number;
  endedAt: number | null;
  events: number;
  /** The request failed or was aborted (no reply): not an empty reply. */
  failed?: boolean;
}

export interface TransportCallbacks {
  /** `receivedAt` is this browser's clock (epoch ms) when the event was in hand. */
  onEvent(event: FeedEvent, receivedAt: number): void;
  onStatus?(status: TransportStatus): void;
  /** The cursor was older than the server's buffer or from another run: events were missed. */
  onResync?(from?: string): void;
  /** A request or connection started (endedAt null) or finished. */
  onExchange?(exchange: Exchange): void;
}

/** One way of receiving the feed in the browser. Every transport shares this shape (engine.io's habit). */
export interface TransportClient {
  readonly name: TransportName;
  /** The cursor of the last event delivered; a restart resumes after it. */
  readonly cursor: string | undefined;
  start(): void;
  stop(): void;
}

export type TransportFactory = (options: TransportOptions, callbacks: TransportCallbacks) => TransportClient;

/** Epoch milliseconds with sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();
