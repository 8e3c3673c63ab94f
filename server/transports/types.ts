import type { ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { HttpBindings, WebSocketLike } from '@hono/node-server';
import type { TransportName } from '../../src/protocol/feed.ts';
import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';
import { clientAddress } from '../guard/client-address.ts';
import type { FairUse } from '../guard/fair-use.ts';
import type { SocketRoutes } from './socket-routes.ts';

/** What every transport gets to work with. */
export interface TransportDeps {
  feed: Feed;
  config: Config;
  /** Aborted when the server begins shutting down: answer, end or close what you hold. */
  closing: AbortSignal;
  upgradeWebSocket: UpgradeWebSocket<WebSocketLike, { onError: (err: unknown) => void }>;
  fairUse: FairUse;
  /** WebSocket endpoints, admitted by the server's upgrade router before Hono sees them. */
  socketRoutes: SocketRoutes;
}

/** One way of delivering the feed (engine.io's shape: one contract, one file each, a registry). */
export interface Transport {
  /** The ledger files this transport's bytes under this name. */
  name: TransportName;
  /** The path whose requests belong to it (the catalog's). */
  path: string;
  mount(app: Hono, deps: TransportDeps): void;
}

/** The Node request under a Hono context (we run on @hono/node-server). */
export const incomingOf = (c: Context) => (c.env as HttpBindings).incoming;

/**
 * For a response the server keeps writing after its handler returned RESPONSE_ALREADY_SENT (a
 * held poll, a stream). @hono/node-server puts a 'close' listener on every response, to abort
 * the fetch Request's signal if the client leaves early; nothing reads that signal once the
 * handler has returned, but the listener keeps the adapter's Request and its URL alive for as
 * long as the response is held: ~200 bytes each, 1 MB for 5,000 held polls. So the plain 'close'
 * listeners on the response at this point, the adapter's, are removed (a pipelining gate's are
 * `once` wrappers, and they stay); the caller then adds its own.
 */
export function releaseAdapterRequest(response: ServerResponse): void {
  for (const listener of response.rawListeners('close')) {
    if (!('listener' in listener)) response.removeListener('close', listener as () => void);
  }
}

/** The address fair-use limits count this request against. */
export const addressOf = (c: Context, config: Config) => clientAddress(incomingOf(c), config.trustProxy);
