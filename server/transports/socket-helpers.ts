import type { Context, Hono } from 'hono';
import type { WSContext, WSMessageReceive } from 'hono/ws';
import type { HttpBindings, WebSocketLike } from '@hono/node-server';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { StoredEvent } from '../feed/channel.ts';
import type { FeedSink } from '../feed/follow.ts';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import { clientAddress } from '../guard/client-address.ts';
import { errorResponse } from '../guard/errors.ts';
import type { FairUse } from '../guard/fair-use.ts';
import { heartbeatsEvery, type Beating, type Heartbeats } from '../feed/heartbeats.ts';
import type { AcceptSocket, SocketEvents } from './socket-routes.ts';
import { incomingOf, type TransportDeps } from './types.ts';

/** The `ws` socket under Hono's wrapper (we need ping/pong, bufferedAmount and terminate). */
export const rawSocket = (ws: { raw?: WebSocketLike }) => ws.raw as unknown as WebSocket;

/** How long a socket closed for being too slow may take to read our close frame before it is cut. */
const TOO_SLOW_GRACE_MS = 2000;

/**
 * Closes a reader that could not keep up with 1013 (try again later: reconnect from your
 * cursor). Its close frame waits behind the unsent bytes, so a peer that is not reading at all
 * is cut after a short grace instead of ws's 30 s, and its buffer is freed.
 */
export function closeTooSlow(socket: WebSocket): void {
  socket.close(CLOSE_CODES.tryAgainLater, 'too slow: reconnect from your cursor');
  setTimeout(() => socket.terminate(), TOO_SLOW_GRACE_MS).unref();
}

/**
 * Sends unless the peer already has `maxUnsentBytes` waiting (it stopped reading): then it is
 * closed with 1013 instead of growing our memory. For echo and chat, which have no cursor to
 * resume from; the feed uses `follow`, which waits for 'drain' instead.
 */
export function sendOrShed(socket: WebSocket, data: string | Buffer | ArrayBuffer, maxUnsentBytes: number): void {
  if (socket.readyState !== 1) return;
  if (socket.bufferedAmount >= maxUnsentBytes) return closeTooSlow(socket);
  // An ArrayBuffer is a binary message (echo); strings and Buffers are text.
  socket.send(data, { binary: data instanceof ArrayBuffer });
}

/** What a socket sink writes: only the framing differs between the feed socket and the chat. */
export interface SocketFraming {
  /** The opening message (cursor, resync), or null for none. */
  start(cursor: string, resync: boolean): string | null;
  /** One event's message, encoded once per event and shared by every socket (cached on it). */
  event(stored: StoredEvent): Buffer;
}

/**
 * Where a channel is written for one WebSocket (a `Follower`'s sink): backpressure from the
 * TCP socket's 'drain', a reader stuck at the cap closed with 1013. Prototype methods: one
 * object per socket.
 */
export class SocketFeedSink implements FeedSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly framing: SocketFraming,
  ) {}

  get unsentBytes(): number {
    return this.socket.bufferedAmount;
  }

  start(cursor: string, resync: boolean): void {
    const message = this.framing.start(cursor, resync);
    if (message !== null) this.socket.send(message);
  }

  event(stored: StoredEvent): void {
    this.socket.send(this.framing.event(stored), { binary: false });
  }

  onDrain(callback: () => void): () => void {
    const tcp = (this.socket as unknown as { _socket: Socket })._socket;
    tcp.once('drain', callback);
    return () => tcp.off('drain', callback);
  }

  tooSlow(): void {
    closeTooSlow(this.socket);
  }
}

const KEEP_ALIVE = Symbol('keep-alive');
type KeptSocket = WebSocket & { [KEEP_ALIVE]?: KeepAlive };

/**
 * Pings every `intervalMs` with a fresh payload; a peer that has not answered *that* ping by
 * the next one is dropped (its TCP connection may be dead without either side having been told:
 * RFC 6455 §5.5.2). Unsolicited pongs prove nothing (§5.5.3 allows them), so they don't count.
 * Pings from the peer are answered within its address's ping rate, else the socket closes (1008).
 * The ticks come from one shared sweep (feed/heartbeats.ts), the listeners are shared functions
 * that find this object on the socket: a socket costs one small object, no timer, no closure.
 */
class KeepAlive implements Beating {
  expected: Buffer | null = null;
  private pings = 0;

  constructor(
    readonly socket: WebSocket,
    readonly fairUse: FairUse,
    readonly address: string,
    readonly heartbeats: Heartbeats,
  ) {}

  beat(): void {
    if (this.expected) return this.socket.terminate();
    this.expected = Buffer.from(`keepalive ${++this.pings}`);
    this.socket.ping(this.expected);
  }
}

function keepAlive(socket: WebSocket, intervalMs: number, fairUse: FairUse, address: string): void {
  const state = new KeepAlive(socket, fairUse, address, heartbeatsEvery(intervalMs));
  (socket as KeptSocket)[KEEP_ALIVE] = state;
  socket.on('pong', onPong);
  socket.on('ping', onPing);
  socket.on('close', onKeptClose);
  state.heartbeats.add(state);
}

function onPong(this: KeptSocket, data: Buffer): void {
  const state = this[KEEP_ALIVE];
  if (state?.expected && data.equals(state.expected)) state.expected = null;
}

function onPing(this: KeptSocket, data: Buffer): void {
  const socket = this;
  const state = socket[KEEP_ALIVE];
  if (!state) return;
  void state.fairUse.ping(state.address).then((allowed) => {
    if (socket.readyState !== 1) return;
    if (allowed) socket.pong(data);
    else socket.close(CLOSE_CODES.policyViolation, 'too many pings');
  });
}

function onKeptClose(this: KeptSocket): void {
  const state = this[KEEP_ALIVE];
  if (state) state.heartbeats.delete(state);
}

/**
 * What @hono/node-server's `upgradeWebSocket` reads of the context: `req.header('upgrade')`,
 * `req.url` and `env` (the adapter's own, where it files the handshake). Its inner closures keep
 * the context they were given until the socket closes, so we give them this, not Hono's
 * Context: that one holds the Request, its Headers and URL, and fifteen bound helpers.
 */
class UpgradeContext {
  readonly req: { url: string; header(name: string): string | undefined };

  constructor(
    readonly env: HttpBindings,
    url: string,
    upgrade: string | undefined,
  ) {
    this.req = new UpgradeRequestView(url, upgrade);
  }
}

class UpgradeRequestView {
  constructor(
    readonly url: string,
    private readonly upgrade: string | undefined,
  ) {}

  header(name: string): string | undefined {
    return name.toLowerCase() === 'upgrade' ? this.upgrade : undefined;
  }
}

/**
 * The handlers the adapter calls for one socket: the keep-alive, the message rate, then the
 * endpoint's own. Prototype methods, so a socket costs this object, not a set of closures.
 */
class SocketSession {
  constructor(
    private readonly endpoint: SocketEvents,
    private readonly deps: TransportDeps,
    private readonly address: string,
    private env: HttpBindings | null,
  ) {}

  onOpen(event: Event, ws: WSContext<WebSocketLike>): void {
    // The adapter keeps its env (our UpgradeContext's) for the socket's life; the Node request in
    // it (headers, socket references) is not needed once the socket is open.
    if (this.env) (this.env as { incoming?: unknown }).incoming = undefined;
    this.env = null;
    keepAlive(rawSocket(ws), this.deps.config.wsPingIntervalMs, this.deps.fairUse, this.address);
    this.endpoint.onOpen?.(event, ws);
  }

  onMessage(event: MessageEvent<WSMessageReceive>, ws: WSContext<WebSocketLike>): void {
    void this.deps.fairUse.message(this.address).then((allowed) => {
      if (ws.readyState !== 1) return;
      if (allowed) this.endpoint.onMessage?.(event, ws);
      else ws.close(CLOSE_CODES.policyViolation, 'too many messages: slow down');
    });
  }

  onClose(event: CloseEvent, ws: WSContext<WebSocketLike>): void {
    this.endpoint.onClose?.(event, ws);
  }

  onError(event: Event, ws: WSContext<WebSocketLike>): void {
    this.endpoint.onError?.(event, ws);
  }
}

/**
 * Mounts a WebSocket endpoint. The server's upgrade router calls `accept` (after the Host,
 * Origin and fair-use checks) and answers a refusal itself; the route here completes an admitted
 * handshake and answers 426 to a request that did not ask to upgrade. Every socket gets the
 * keep-alive, and its messages count against its address's message rate (1008 past it).
 */
export function mountSocket(app: Hono, path: string, deps: TransportDeps, accept: AcceptSocket): void {
  deps.socketRoutes.add(path, accept);
  app.get(path, async (c) => {
    const incoming = incomingOf(c);
    const events = deps.socketRoutes.take(incoming);
    if (!events) {
      // RFC 9110 §15.5.22: a 426 names the protocol to switch to in Upgrade.
      return errorResponse(c, 'upgrade_required', `${path} is a WebSocket endpoint: send "Connection: Upgrade" and "Upgrade: websocket"`, {
        Upgrade: 'websocket',
      });
    }
    const env = c.env as HttpBindings;
    const session = new SocketSession(events, deps, clientAddress(incoming, deps.config.trustProxy), env);
    const context = new UpgradeContext(env, c.req.url, c.req.header('upgrade'));
    try {
      return await deps.upgradeWebSocket(context as unknown as Context, session);
    } catch {
      // The adapter throws when it could not start the handshake (no upgrade, no adapter env).
      return errorResponse(c, 'internal', 'the WebSocket handshake could not start');
    }
  });
}
