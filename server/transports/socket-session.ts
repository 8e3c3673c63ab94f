import type { EventEmitter } from 'node:events';
import type { Context, Hono } from 'hono';
import type { WSContext, WSMessageReceive } from 'hono/ws';
import type { HttpBindings, WebSocketLike } from '@hono/node-server';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import { clientAddress } from '../guard/client-address.ts';
import { errorResponse } from '../guard/errors.ts';
import { heartbeatsEvery, type Beating } from '../feed/heartbeats.ts';
import type { AcceptSocket, SocketEndpoint } from './socket-routes.ts';
import { incomingOf, type TransportDeps } from './types.ts';

const SESSION = Symbol('socket session');
type SessionSocket = WebSocket & { [SESSION]?: SocketSession };

/**
 * The events @hono/node-server's adapter listens to on every socket it opens. Its listeners
 * close over its per-socket context (an object with three closures of its own, the request's
 * parsed URL, the handshake's context and env): about 2 KiB a socket, kept for the socket's
 * whole life, for work the session does anyway. So once the adapter has opened the socket and
 * attached them, the session takes these events over (`adopt`) and the adapter's state is freed.
 */
const ADAPTER_EVENTS = ['message', 'close', 'error'] as const;

/**
 * One WebSocket's life after the handshake, in one object on shared listeners (no closure,
 * no timer per socket):
 *   - keep-alive: pings every `wsPingIntervalMs` with a fresh payload from one shared sweep
 *     (feed/heartbeats.ts); a peer that has not answered *that* ping by the next one is dropped
 *     (its TCP connection may be dead without either side having been told: RFC 6455 §5.5.2).
 *     Unsolicited pongs prove nothing (§5.5.3 allows them), so they don't count;
 *   - pings from the peer are answered within its address's ping rate, else 1008;
 *   - messages count against its address's message rate (1008 past it), then go to the endpoint
 *     as a string (text) or a Buffer (binary);
 *   - the endpoint's `onClose` runs once, whichever way the socket ends.
 * It is also the handler set the adapter calls (`onOpen`, and `onMessage`/`onClose` until the
 * session adopts the socket).
 */
class SocketSession implements Beating {
  private socket: SessionSocket | null = null;
  private ended = false;
  /** The payload of our last ping while it is unanswered. */
  private expected: Buffer | null = null;
  private pings = 0;

  constructor(
    private readonly endpoint: SocketEndpoint,
    private readonly deps: TransportDeps,
    private readonly address: string,
  ) {}

  // ---- the adapter's handlers (hono's WSEvents) ----

  onOpen(_event: Event, context: WSContext<WebSocketLike>): void {
    const socket = context.raw as unknown as SessionSocket;
    this.socket = socket;
    socket[SESSION] = this;
    heartbeatsEvery(this.deps.config.wsPingIntervalMs).add(this);
    this.call('onOpen', () => this.endpoint.onOpen?.(socket));
    // The adapter attaches its listeners right after this returns, in the same turn: whatever is
    // new by the next microtask is its. (Others stay: ws's server drops the socket from its
    // `clients` on 'close'.)
    const others = new Set(ADAPTER_EVENTS.flatMap((name) => socket.rawListeners(name)));
    queueMicrotask(() => this.adopt(socket, others));
  }

  /** Only a message the adapter buffered while the socket was opening: text or an ArrayBuffer. */
  onMessage(event: MessageEvent<WSMessageReceive>): void {
    const data = event.data;
    this.received(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  onClose(): void {
    this.end();
  }

  // ---- the socket's own events, once adopted ----

  private adopt(socket: SessionSocket, others: Set<unknown>): void {
    if (this.ended) return;
    for (const name of ADAPTER_EVENTS) {
      for (const listener of socket.rawListeners(name)) {
        if (!others.has(listener)) socket.removeListener(name, listener as (...args: unknown[]) => void);
      }
    }
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
    socket.on('error', ignoreError); // ws closes the socket after an error; 'close' follows
    socket.on('ping', onSocketPing);
    socket.on('pong', onSocketPong);
    // The handshake left the TCP socket's 'error' list grown; it keeps two listeners.
    compactListeners((socket as unknown as { _socket: Socket })._socket, 'error');
  }

  beat(): void {
    const socket = this.socket!;
    if (this.expected) return socket.terminate();
    this.expected = Buffer.from(`keepalive ${++this.pings}`);
    socket.ping(this.expected);
  }

  pong(data: Buffer): void {
    if (this.expected?.equals(data)) this.expected = null;
  }

  ping(data: Buffer): void {
    void this.deps.fairUse.ping(this.address).then((allowed) => {
      const socket = this.socket!;
      if (socket.readyState !== 1) return;
      if (allowed) socket.pong(data);
      else socket.close(CLOSE_CODES.policyViolation, 'too many pings');
    });
  }

  received(message: string | Buffer): void {
    void this.deps.fairUse.message(this.address).then((allowed) => {
      const socket = this.socket!;
      if (socket.readyState !== 1) return;
      if (allowed) this.call('onMessage', () => this.endpoint.onMessage?.(message, socket));
      else socket.close(CLOSE_CODES.policyViolation, 'too many messages: slow down');
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    heartbeatsEvery(this.deps.config.wsPingIntervalMs).delete(this);
    const socket = this.socket;
    if (socket) this.call('onClose', () => this.endpoint.onClose?.(socket));
  }

  /** An endpoint's throw is a bug to log, never a crash or an unhandled rejection. */
  private call(name: string, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      console.error(`BUG: a WebSocket endpoint's ${name} threw:`, error);
      if (name !== 'onClose') this.socket?.close(CLOSE_CODES.internalError, 'internal server error');
    }
  }
}

function onSocketMessage(this: SessionSocket, data: Buffer, isBinary: boolean): void {
  // ws has checked a text message's UTF-8 (1007 otherwise) and its size (`maxPayload`, 1009).
  this[SESSION]?.received(isBinary ? data : data.toString());
}

function onSocketClose(this: SessionSocket): void {
  this[SESSION]?.end();
}

function onSocketPing(this: SessionSocket, data: Buffer): void {
  this[SESSION]?.ping(data);
}

function onSocketPong(this: SessionSocket, data: Buffer): void {
  this[SESSION]?.pong(data);
}

function ignoreError(): void {}

/**
 * Rebuilds an event's listener list when it holds two listeners in a grown array. EventEmitter
 * keeps one listener as a function and two as a two-slot array, but a third grows the array to
 * 19 slots, and removing listeners never shrinks it. A WebSocket's TCP socket passes through
 * three 'error' listeners during its handshake (ours, the adapter's, ws's server's, then ws's
 * socket's) and keeps two: ~180 bytes a socket, for its whole life.
 * Removing the first turns the list back into a plain function; adding it again makes a fresh
 * two-slot array (the two now run in the other order, which none of them depends on).
 */
function compactListeners(emitter: EventEmitter, event: string): void {
  const listeners = emitter.rawListeners(event) as Array<(...args: unknown[]) => void>;
  if (listeners.length !== 2) return;
  const [first] = listeners as [(...args: unknown[]) => void];
  emitter.removeListener(event, first);
  emitter.on(event, first);
}

/**
 * What @hono/node-server's `upgradeWebSocket` reads of the context: `req.header('upgrade')`,
 * `req.url` and `env` (the adapter's own, where it files the handshake). Not Hono's Context:
 * that one holds the Request, its Headers and URL, and fifteen bound helpers, and the adapter
 * keeps what it is given until the session adopts the socket.
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
 * Mounts a WebSocket endpoint. The server's upgrade router calls `accept` (after the Host,
 * Origin and fair-use checks) and answers a refusal itself; the route here completes an admitted
 * handshake through the adapter and answers 426 to a request that did not ask to upgrade.
 */
export function mountSocket(app: Hono, path: string, deps: TransportDeps, accept: AcceptSocket): void {
  deps.socketRoutes.add(path, accept);
  app.get(path, async (c) => {
    const incoming = incomingOf(c);
    const endpoint = deps.socketRoutes.take(incoming);
    if (!endpoint) {
      // RFC 9110 §15.5.22: a 426 names the protocol to switch to in Upgrade.
      return errorResponse(c, 'upgrade_required', `${path} is a WebSocket endpoint: send "Connection: Upgrade" and "Upgrade: websocket"`, {
        Upgrade: 'websocket',
      });
    }
    const session = new SocketSession(endpoint, deps, clientAddress(incoming, deps.config.trustProxy));
    const context = new UpgradeContext(c.env as HttpBindings, c.req.url, c.req.header('upgrade'));
    try {
      return await deps.upgradeWebSocket(context as unknown as Context, session);
    } catch {
      // The adapter throws when it could not start the handshake (no upgrade, no adapter env).
      return errorResponse(c, 'internal', 'the WebSocket handshake could not start');
    }
  });
}
