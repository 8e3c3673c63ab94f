import type { IncomingMessage } from 'node:http';
import type { WSEvents } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import type { Refusal } from '../guard/errors.ts';

export type SocketEvents = WSEvents<WebSocketLike>;

/**
 * Decides whether an upgrade may open: its handlers, or the refusal to answer (400, 404, …).
 * Called by the upgrade router with the query values, before any bytes of the 101 are sent.
 */
export type AcceptSocket = (query: Record<string, string>, request: IncomingMessage) => SocketEvents | Refusal | Promise<SocketEvents | Refusal>;

/**
 * The WebSocket endpoints. The server's upgrade router admits an upgrade here (path, query,
 * limits) so a refusal can be answered with a JSON body on the raw socket; the Hono route of
 * the path then takes the admitted handlers and completes the handshake through
 * @hono/node-server's `upgradeWebSocket`.
 */
export class SocketRoutes {
  private readonly endpoints = new Map<string, AcceptSocket>();
  private readonly admitted = new WeakMap<IncomingMessage, SocketEvents>();

  add(path: string, accept: AcceptSocket): void {
    this.endpoints.set(path, accept);
  }

  get(path: string): AcceptSocket | undefined {
    return this.endpoints.get(path);
  }

  admit(request: IncomingMessage, events: SocketEvents): void {
    this.admitted.set(request, events);
  }

  /** The handlers admitted for this request, once; undefined for a request that never upgraded. */
  take(request: IncomingMessage): SocketEvents | undefined {
    const events = this.admitted.get(request);
    this.admitted.delete(request);
    return events;
  }
}

export const isRefusal = (value: SocketEvents | Refusal): value is Refusal => 'code' in value && 'message' in value;
