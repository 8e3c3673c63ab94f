import type { Hono } from 'hono';
import type { WebSocketLike } from '@hono/node-server';
import type WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import { clientAddress } from '../guard/client-address.ts';
import { errorResponse } from '../guard/errors.ts';
import type { FairUse } from '../guard/fair-use.ts';
import type { AcceptSocket } from './socket-routes.ts';
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

/**
 * Pings every `intervalMs` with a fresh payload; a peer that has not answered *that* ping by
 * the next one is dropped (its TCP connection may be dead without either side having been told:
 * RFC 6455 §5.5.2). Unsolicited pongs prove nothing (§5.5.3 allows them), so they don't count.
 * Pings from the peer are answered within its address's ping rate, else the socket closes (1008).
 */
function keepAlive(socket: WebSocket, intervalMs: number, fairUse: FairUse, address: string): void {
  let expected: Buffer | null = null;
  let pings = 0;
  socket.on('pong', (data) => {
    if (expected && data.equals(expected)) expected = null;
  });
  socket.on('ping', (data) => {
    void fairUse.ping(address).then((allowed) => {
      if (socket.readyState !== 1) return;
      if (allowed) socket.pong(data);
      else socket.close(CLOSE_CODES.policyViolation, 'too many pings');
    });
  });
  const timer = setInterval(() => {
    if (expected) return socket.terminate();
    expected = Buffer.from(`keepalive ${++pings}`);
    socket.ping(expected);
  }, intervalMs);
  timer.unref();
  socket.on('close', () => clearInterval(timer));
}

/**
 * Mounts a WebSocket endpoint. The server's upgrade router calls `accept` (after the Host,
 * Origin and fair-use checks) and answers a refusal itself; the route here completes an admitted
 * handshake and answers 426 to a request that did not ask to upgrade. Every socket gets the
 * keep-alive, and its messages count against its address's message rate (1008 past it).
 */
export function mountSocket(app: Hono, path: string, deps: TransportDeps, accept: AcceptSocket): void {
  deps.socketRoutes.add(path, accept);
  app.get(path, async (c, next) => {
    const incoming = incomingOf(c);
    const events = deps.socketRoutes.take(incoming);
    if (!events) {
      // RFC 9110 §15.5.22: a 426 names the protocol to switch to in Upgrade.
      return errorResponse(c, 'upgrade_required', `${path} is a WebSocket endpoint: send "Connection: Upgrade" and "Upgrade: websocket"`, {
        Upgrade: 'websocket',
      });
    }
    const address = clientAddress(incoming, deps.config.trustProxy);
    const upgraded = await deps.upgradeWebSocket(() => ({
      ...events,
      onOpen(event, ws) {
        keepAlive(rawSocket(ws), deps.config.wsPingIntervalMs, deps.fairUse, address);
        events.onOpen?.(event, ws);
      },
      onMessage(event, ws) {
        void deps.fairUse.message(address).then((allowed) => {
          if (ws.readyState !== 1) return;
          if (allowed) events.onMessage?.(event, ws);
          else ws.close(CLOSE_CODES.policyViolation, 'too many messages: slow down');
        });
      },
    }))(c, next);
    return upgraded ?? errorResponse(c, 'internal', 'the WebSocket handshake could not start');
  });
}
