import type { Hono } from 'hono';
import { mountSocket, rawSocket, sendOrShed } from '../transports/socket-helpers.ts';
import type { TransportDeps } from '../transports/types.ts';

/**
 * The articles' echo server: text comes back as `Echo: <text>`, binary comes back as is. A
 * client that sends without reading is closed (1013) once its unsent replies reach the cap.
 */
export function mountEcho(app: Hono, deps: TransportDeps): void {
  mountSocket(app, '/ws/echo', deps, () => ({
    onMessage(event, ws) {
      sendOrShed(rawSocket(ws), typeof event.data === 'string' ? `Echo: ${event.data}` : (event.data as ArrayBuffer), deps.config.sendBufferMaxBytes);
    },
  }));
}
