import type { Hono } from 'hono';
import { mountSocket } from '../transports/socket-helpers.ts';
import type { TransportDeps } from '../transports/types.ts';

/** The articles' echo server: text comes back as `Echo: <text>`, binary comes back as is. */
export function mountEcho(app: Hono, deps: TransportDeps): void {
  mountSocket(app, '/ws/echo', deps, () => ({
    onMessage(event, ws) {
      ws.send(typeof event.data === 'string' ? `Echo: ${event.data}` : (event.data as ArrayBuffer));
    },
  }));
}
