import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import type { TransportName } from '../../src/protocol/feed.ts';
import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';

/** What every transport gets to work with. */
export interface TransportDeps {
  feed: Feed;
  config: Config;
  /** Aborted when the server begins shutting down: answer, end or close what you hold. */
  closing: AbortSignal;
  upgradeWebSocket: UpgradeWebSocket<WebSocketLike, { onError: (err: unknown) => void }>;
}

/** One way of delivering the feed (engine.io's shape: one contract, one file each, a registry). */
export interface Transport {
  /** The ledger files this transport's bytes under this name. */
  name: TransportName;
  /** The path whose requests belong to it. */
  path: string;
  mount(app: Hono, deps: TransportDeps): void;
}
