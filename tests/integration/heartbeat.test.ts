import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { createChannel, startTestServer, waitFor } from '../helpers/server.ts';

describe('heartbeats', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ sseHeartbeatMs: 100, wsPingIntervalMs: 100 });
  });
  afterAll(() => server.close());

  describe('sse', () => {
    it('sends a comment line on an idle stream', async () => {
      const idle = await createChannel(server.url, { intervalMs: 20, payloadBytes: 0, durationMs: 20 });
      await waitFor(() => server.feed.get(idle)!.latestSeq === 1, 2000, 'the only event');
      const controller = new AbortController();
      const cursor = server.feed.get(idle)!.cursorAt(1);
      const response = await fetch(`${server.url}/api/sse?channel=${idle}&after=${cursor}`, { signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
      // The stream opens with its cursor (an id-only message), then only heartbeats.
      expect(text).toBe(`id: ${cursor}\n\n: heartbeat\n\n`);
      controller.abort();
    });
  });

  describe('websocket', () => {
    it('keeps a peer that answers pings', async () => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/echo`);
      let pings = 0;
      ws.on('ping', () => pings++);
      await waitFor(() => pings >= 3, 5000, 'three pings');
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
    });

    it('drops a peer that misses a pong', async () => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/echo`, { autoPong: false });
      const code = await new Promise<number>((resolve) => ws.on('close', resolve));
      expect(code).toBe(1006); // terminated: no close frame, the TCP connection was cut
    });
  });
});
