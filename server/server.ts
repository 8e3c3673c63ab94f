import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../src/protocol/errors.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { Feed } from './feed/feed.ts';
import { categoryOfPath } from './transports/index.ts';
import { CLIENT_ID_PATTERN } from '../src/protocol/feed.ts';
import { tapConnection, type Route } from './wire/connection-tap.ts';
import { Ledger } from './wire/ledger.ts';

export interface RunningServer {
  url: string;
  port: number;
  feed: Feed;
  ledger: Ledger;
  /** Graceful shutdown: WebSockets get 1001, SSE streams end, held polls answer. */
  close(): Promise<void>;
  /** Cuts every client's TCP connection at once, as a network failure would (tests, demos). */
  dropConnections(): void;
}

/** Files a request under its transport and client id, from the request line alone. */
function classify(method: string, target: string): Route {
  const url = new URL(target, 'http://x');
  const client = url.searchParams.get('client');
  return {
    category: categoryOfPath(url.pathname),
    client: client !== null && CLIENT_ID_PATTERN.test(client) ? client : null,
    recordFrames: url.pathname === '/ws/inspect',
  };
}

/** `tapSockets: false` only exists so the benchmark can measure what the tap costs. */
export async function startServer(config: Config, { tapSockets = true } = {}): Promise<RunningServer> {
  const feed = new Feed({
    tickerIntervalMs: config.tickerIntervalMs,
    maxEvents: config.bufferMaxEvents,
    maxAgeMs: config.bufferMaxAgeMs,
    maxPrivateChannels: config.maxPrivateChannels,
  });
  const ledger = new Ledger(config.maxLedgerClients);
  const shutdown = new AbortController();
  // ws closes a socket with 1009 when a message exceeds maxPayload (RFC 6455 §7.4.1).
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.wsMaxMessageBytes });
  const app = createApp({ feed, ledger, config, closing: shutdown.signal, upgradeWebSocket });
  const server = createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } });
  const sockets = new Set<Socket>();
  // Before Node's own connection listener, so the tap sees the very first byte.
  server.prependListener('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (tapSockets) tapConnection(socket, ledger, classify);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      shutdown.abort();
      feed.close();
      for (const client of wss.clients) client.close(CLOSE_CODES.goingAway, 'server shutting down');
      // Keep-alive connections go idle as their last response ends; close each as it does.
      const closeIdle = setInterval(() => 'closeIdleConnections' in server && server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(closeIdle);
        resolve();
      });
      // Whatever is still open after the grace period is cut.
      setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, config.shutdownGraceMs).unref();
    }));

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { url: `http://${host}:${port}`, port, feed, ledger, close, dropConnections };
}
