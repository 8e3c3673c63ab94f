import type { Hono } from 'hono';
import { sendOrShed } from '../transports/socket-helpers.ts';
import { mountSocket } from '../transports/socket-session.ts';
import type { TransportDeps } from '../transports/types.ts';

/**
 * The articles' echo server: text comes back as `Echo: <text>`, binary comes back as is. A
 * client that sends without reading is closed (1013) once its unsent replies reach the cap.
 */
export function mountEcho(app: Hono, deps: TransportDeps): void {
  mountSocket(app, '/ws/echo', deps, () => ({
    onMessage(message, socket) {
      sendOrShed(socket, typeof message === 'string' ? `Echo: ${message}` : message, deps.config.sendBufferMaxBytes);
    },
  }));
}
