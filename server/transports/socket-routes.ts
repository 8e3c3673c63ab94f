import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { Refusal } from '../guard/errors.ts';

/**
 * What an endpoint does with one of its sockets (ws's WebSocket). A message arrives as a string
 * (text) or a Buffer (binary), after the address's message rate; `onClose` runs once, however
 * the socket ended. A throw is logged as a bug and closes the socket with 1011.
 */
export interface SocketEndpoint {
  onOpen?(socket: WebSocket): void;
  onMessage?(message: string | Buffer, socket: WebSocket): void;
  onClose?(socket: WebSocket): void;
}

/**
 * Decides whether an upgrade may open: its handlers, or the refusal to answer (400, 404, …).
 * Called by the upgrade router with the query values, before any bytes of the 101 are sent.
 */
export type AcceptSocket = (query: Record<string, string>, request: IncomingMessage) => SocketEndpoint | Refusal | Promise<SocketEndpoint | Refusal>;

/**
 * The WebSocket endpoints. The server's upgrade router admits an upgrade here (path, query,
 * limits) so a refusal can be answered with a JSON body on the raw socket; the Hono route of
 * the path then takes the admitted handlers and completes the handshake through
 * @hono/node-server's `upgradeWebSocket`.
 */
export class SocketRoutes {
  private readonly endpoints = new Map<string, AcceptSocket>();
  private readonly admitted = new WeakMap<IncomingMessage, SocketEndpoint>();

  add(path: string, accept: AcceptSocket): void {
    this.endpoints.set(path, accept);
  }

  get(path: string): AcceptSocket | undefined {
    return this.endpoints.get(path);
  }

  admit(request: IncomingMessage, endpoint: SocketEndpoint): void {
    this.admitted.set(request, endpoint);
  }

  /** The handlers admitted for this request, once; undefined for a request that never upgraded. */
  take(request: IncomingMessage): SocketEndpoint | undefined {
    const endpoint = this.admitted.get(request);
    this.admitted.delete(request);
    return endpoint;
  }
}

export const isRefusal = (value: SocketEndpoint | Refusal): value is Refusal => 'code' in value && 'message' in value;
