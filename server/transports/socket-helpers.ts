import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { WSEvents } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import type WebSocket from 'ws';
import { originGuard } from '../guard/origin.ts';
import type { TransportDeps } from './types.ts';

/** The `ws` socket under Hono's wrapper (we need ping/pong and terminate). */
export const rawSocket = (ws: { raw?: WebSocketLike }) => ws.raw as unknown as WebSocket;

/**
 * Pings every `intervalMs`; a peer that has not answered the previous ping by then is dropped
 * (its TCP connection may be dead without either side having been told: RFC 6455 §5.5.2).
 */
export function keepAlive(socket: WebSocket, intervalMs: number): void {
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  socket.on('close', () => clearInterval(timer));
}

/**
 * Mounts a WebSocket endpoint: Origin check (403), then `prepare` validates the query and
 * either answers (400/404) or returns the socket's event handlers; every socket gets keepAlive.
 */
export function mountSocket(
  app: Hono,
  path: string,
  deps: TransportDeps,
  prepare: (c: Context) => Response | WSEvents<WebSocketLike>,
): void {
  const upgrade: MiddlewareHandler = async (c, next) => {
    const prepared = prepare(c);
    if (prepared instanceof Response) return prepared;
    return deps.upgradeWebSocket(() => ({
      ...prepared,
      onOpen(event, ws) {
        keepAlive(rawSocket(ws), deps.config.wsPingIntervalMs);
        prepared.onOpen?.(event, ws);
      },
    }))(c, next);
  };
  app.get(path, originGuard(deps.config.allowedOrigins), upgrade);
}
