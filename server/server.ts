import { setMaxListeners } from 'node:events';
import type { Redis } from 'ioredis';
import { createServer, type Server, type ServerOptions } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createAdaptorServer, getRequestListener, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../src/protocol/errors.ts';
import { CLIENT_ID_PATTERN } from '../src/protocol/feed.ts';
import type { HealthReply } from './api/health.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { admitRequests, answerClientErrors, routeUpgrades, type EdgeDeps } from './edge.ts';
import type { Feed } from './feed/feed.ts';
import { MemoryFeed } from './feed/memory-feed.ts';
import { RedisFeed } from './feed/redis/redis-feed.ts';
import { RedisRoomLogs } from './rooms/redis-log.ts';
import { RoomRegistry } from './rooms/registry.ts';
import { MemoryRoomLogs, type RoomLogs } from './rooms/room-log.ts';
import { addressKey } from './guard/client-address.ts';
import { errorBody, writeRefusal } from './guard/errors.ts';
import { FairUse } from './guard/fair-use.ts';
import { configuredHostnames } from './guard/origin.ts';
import { categoryOfPath } from './transports/index.ts';
import { SocketRoutes } from './transports/socket-routes.ts';
import { incomingFrameStartedAt, tapConnection, type Route } from './wire/connection-tap.ts';
import { RecordBudget } from './wire/recording.ts';
import { Ledger } from './wire/ledger.ts';
import { LedgerSync, localLedgerStats } from './wire/ledger-sync.ts';
import { connectRedis } from './feed/redis/connect.ts';
import { ConnectionBook, holdSocketSlot, markServed, wasServed } from './connections.ts';

export interface RunningServer {
  url: string;
  port: number;
  feed: Feed;
  ledger: Ledger;
  fairUse: FairUse;
  rooms: RoomRegistry;
  /** Graceful shutdown: WebSockets get 1001, SSE streams end, held polls answer. */
  close(): Promise<void>;
  /** Cuts every client's TCP connection at once, as a network failure would (tests, demos). */
  dropConnections(): void;
}

const ignoreError = () => {};
const UNCOUNTED: Route = { category: 'other', client: null, recordFrames: false };

/**
 * Files a request under its transport and client id, from the request line alone. It runs
 * inside the socket's read path, so it must never throw: a target no URL parser accepts
 * (`//[`, `http://a:99999/`) is filed under `other`, and the app answers it 400.
 */
function classify(_method: string, target: string): Route {
  try {
    const url = new URL(target, 'http://x');
    const client = url.searchParams.get('client');
    return {
      category: categoryOfPath(url.pathname),
      client: client !== null && CLIENT_ID_PATTERN.test(client) ? client : null,
      recordFrames: url.pathname === '/ws/inspect',
    };
  } catch {
    return UNCOUNTED;
  }
}

/** `tapSockets: false` only exists so the benchmark can measure what the tap costs. */
export async function startServer(config: Config, { tapSockets = true } = {}): Promise<RunningServer> {
  const startedAt = Date.now();
  // With REDIS_URL, a command connection for the cluster-wide limits, ledger and rooms (the feed has its own).
  const shared = config.redisUrl ? await connectRedis(config.redisUrl, `${config.redisPrefix}shared`) : null;
  const feed = await createFeed(config);
  const ledger = new Ledger(config.maxLedgerClients, { trackChanges: shared !== null });
  const ledgerSync = shared ? new LedgerSync(ledger, shared, config.redisPrefix, config.statsFlushMs) : null;
  const rooms = new RoomRegistry(feed, config, createRoomLogs(config, feed, shared));
  const fairUse = new FairUse(config, shared);
  const recordBudget = new RecordBudget(config.inspectTotalMaxBytes);
  const socketRoutes = new SocketRoutes();
  const shutdown = new AbortController();
  // Every SSE stream and held long poll listens for shutdown: hundreds at once is normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const allowedHosts = configuredHostnames([config.publicOrigin, ...config.allowedOrigins].filter(Boolean));
  // ws closes a socket with 1009 when a message exceeds maxPayload (RFC 6455 §7.4.1). Pings are
  // answered by the socket session within the address's ping rate, not automatically.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.wsMaxMessageBytes, autoPong: false });
  const connections = new ConnectionBook(fairUse, tapSockets);
  const sockets = connections.open;
  const health = (): HealthReply => {
    const memory = process.memoryUsage();
    const stats = ledger.stats(null);
    return {
      status: shutdown.signal.aborted ? 'shutting_down' : 'ok',
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      connections: {
        tcp: sockets.size,
        websockets: wss.clients.size,
        byTransport: Object.fromEntries(Object.entries(stats.transports).map(([name, figures]) => [name, figures.openConnections])),
      },
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external },
      feed: feed.health(),
    };
  };
  const app = createApp({
    feed,
    ledger,
    ledgerStats: ledgerSync ?? localLedgerStats(ledger),
    config,
    closing: shutdown.signal,
    upgradeWebSocket,
    fairUse,
    socketRoutes,
    recordBudget,
    allowedHosts,
    health,
    rooms,
  });
  const edge: EdgeDeps = {
    fairUse,
    socketRoutes,
    trustProxy: config.trustProxy,
    allowedHosts,
    allowedOrigins: new Set(config.allowedOrigins.map((origin) => origin.toLowerCase())),
    closing: shutdown.signal,
    maxUnsentBytes: config.replyMaxBytes,
    slowConsumerMs: config.slowConsumerMs,
  };
  // Our own request listener instead of the adapter's, for its errorHandler: a request Hono
  // cannot represent (bad target, bad Host) gets the JSON 400 instead of an empty one.
  const serve = admitRequests(
    getRequestListener(app.fetch, {
      errorHandler: (error) =>
        new Response(JSON.stringify(errorBody('bad_request', `unusable request: ${(error as Error).message}`)), {
          status: 400,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        }),
    }),
    edge,
  );
  const serverOptions: ServerOptions = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // How often Node checks those two timeouts; its 30 s default would let them slip.
    connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    // Node would answer a missing Host with an empty 400 of its own; the app answers it in JSON.
    requireHostHeader: false,
  };
  // The adapter wires its WebSocket handling onto the server; routeUpgrades then fronts it.
  const server = createAdaptorServer({
    fetch: app.fetch,
    websocket: { server: wss },
    serverOptions,
    createServer: ((options: ServerOptions) => createServer(options, serve)) as typeof createServer,
  }) as Server;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  answerClientErrors(server);
  routeUpgrades(server, serve, edge);
  // CONNECT asks for a tunnel; this is no proxy (Node would close such a socket without a word).
  server.on('connect', (_request, socket: Socket) =>
    writeRefusal(socket, { code: 'method_not_allowed', message: 'CONNECT: this server is not a proxy', headers: { Allow: 'GET, HEAD, POST' } }),
  );
  // Connections that never carried a request (browsers open spares) are closed at once on shutdown.
  server.on('request', (request) => markServed(request.socket));
  server.on('upgrade', (request) => markServed(request.socket));

  // Before Node's own connection listener, so the tap sees the very first byte.
  server.prependListener('connection', (socket: Socket) => {
    socket.on('error', ignoreError); // a reset peer is routine; the socket is destroyed all the same
    connections.track(socket);
    if (!config.trustProxy) {
      const address = addressKey(socket.remoteAddress ?? 'unknown');
      if (!fairUse.sockets.take(address)) {
        return writeRefusal(socket, {
          code: 'too_many_connections',
          message: 'too many open connections from your address',
          headers: { 'Retry-After': '5' },
        });
      }
      holdSocketSlot(socket, address);
    }
    if (tapSockets) tapConnection(socket, ledger, classify, recordBudget);
  });

  const socketWatch = watchSockets(sockets, config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  if (tapSockets) await proveTapSeesBytes(config.host, port, ledger);

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      shutdown.abort();
      rooms.close();
      clearInterval(socketWatch);
      for (const client of wss.clients) client.close(CLOSE_CODES.goingAway, 'server shutting down');
      for (const socket of sockets) if (!wasServed(socket)) socket.destroy();
      // Keep-alive connections go idle as their last response ends; close each as it does.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
      // The feed goes last: with Redis its replicas' end would cut readers (1013) before they got 1001.
      server.close(() => {
        clearInterval(closeIdle);
        void Promise.all([feed.close(), ledgerSync?.close()])
          .then(() => shared?.quit())
          .catch(() => shared?.disconnect())
          .finally(resolve);
      });
      // Whatever is still open after the grace period is cut, upgraded sockets included.
      setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }, config.shutdownGraceMs).unref();
    }));

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { url: `http://${host}:${port}`, port, feed, ledger, fairUse, rooms, close, dropConnections };
}

/** The feed in memory, or on Redis when REDIS_URL is set (README "Deploying"). */
function createFeed(config: Config): Promise<Feed> {
  const options = {
    tickerIntervalMs: config.tickerIntervalMs,
    maxEvents: config.bufferMaxEvents,
    maxAgeMs: config.bufferMaxAgeMs,
    maxBytes: config.bufferMaxBytes,
    maxPrivateChannels: config.maxPrivateChannels,
  };
  if (!config.redisUrl) return Promise.resolve(new MemoryFeed(options));
  return RedisFeed.connect({ ...options, url: config.redisUrl, prefix: config.redisPrefix, leaseTtlMs: config.leaseTtlMs });
}

/** Rooms' logs in memory, or on Redis beside the feed (README "Rooms (classroom mode)"). */
function createRoomLogs(config: Config, feed: Feed, shared: Redis | null): RoomLogs {
  if (!shared) return new MemoryRoomLogs(config.roomIdleMs);
  return RedisRoomLogs.on(shared, { prefix: config.redisPrefix, idleMs: config.roomIdleMs }, feed);
}

/**
 * One timer for every socket, for the two ways a peer can hold a connection without sending a
 * request: a WebSocket frame begun and not finished within WS_FRAME_TIMEOUT_MS (a client
 * dripping bytes), and unsent reply bytes that make no progress for twice SLOW_CONSUMER_MS (a
 * client that stopped reading a finished reply, which no Node timeout covers). Stream readers
 * are closed with 1013 by `follow` before this backstop would cut them.
 */
function watchSockets(sockets: ReadonlySet<Socket>, config: Config): NodeJS.Timeout {
  const stalls = new WeakMap<Socket, { pending: number; since: number }>();
  const interval = Math.max(50, Math.min(config.wsFrameTimeoutMs, config.slowConsumerMs) / 4);
  const timer = setInterval(() => {
    const now = Date.now();
    for (const socket of sockets) {
      const frameStartedAt = incomingFrameStartedAt(socket);
      if (frameStartedAt !== 0 && now - frameStartedAt > config.wsFrameTimeoutMs) {
        socket.destroy();
        continue;
      }
      // libuv's queue shrinks as the kernel takes bytes, even mid-chunk; writableLength only per chunk.
      const pending = (socket as Socket & { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize ?? socket.writableLength;
      const last = stalls.get(socket);
      if (pending === 0) stalls.delete(socket);
      else if (!last) stalls.set(socket, { pending, since: now });
      else if (now - last.since > 2 * config.slowConsumerMs) socket.destroy();
      // Only a shrinking queue is progress; more bytes queued behind a stall are not.
      else if (pending !== last.pending) stalls.set(socket, { pending, since: pending < last.pending ? now : last.since });
    }
  }, interval);
  timer.unref();
  return timer;
}

/**
 * The socket tap reads Node internals, which a Node release could change. Rather than let the
 * ledger silently count nothing, the server proves at start-up, with one real request to
 * itself, that the tap saw every byte of it; otherwise it refuses to start.
 */
async function proveTapSeesBytes(listenHost: string, port: number, ledger: Ledger): Promise<void> {
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  const request = 'GET /api/time?client=_tap-check HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
  const received = await new Promise<number>((resolve, reject) => {
    let bytes = 0;
    const socket = connect({ host, port }, () => socket.end(request));
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('close', () => resolve(bytes));
    socket.on('error', reject);
  });
  // The ledger files on 'close' on the server side too; give it a turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  const seen = ledger.stats('_tap-check').other;
  const seenOut = seen.responseHeaderBytes + seen.payloadBytes + seen.framingBytes;
  if (seen.requestHeaderBytes !== Buffer.byteLength(request) || seenOut !== received) {
    throw new Error(
      `socket tap check failed on Node ${process.version}: sent ${Buffer.byteLength(request)}/received ${received} bytes, ` +
        `the tap saw ${seen.requestHeaderBytes}/${seenOut}. Node's socket internals changed; the ledger cannot be trusted.`,
    );
  }
}

