import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server.ts';
import { errorOf, RawConnection, requestBytes } from '../helpers/hostile-raw.ts';
import { clientFrame, closeCodeOf, framesOf, OPCODES, rawWebSocket } from '../helpers/hostile-ws.ts';
import { sleep, startTestServer } from '../helpers/server.ts';

// Slow clients hold sockets for nothing: half a head (slowloris), a body dripped a byte at a
// time, an idle keep-alive connection, a WebSocket frame dripped byte by byte. Each is cut
// after its own, configurable, limit. Node's defaults (60 s for a head, checked every 30 s)
// and ws (no limit on a frame at all) let them hold a socket for a minute or forever.
const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 300;
const WS_FRAME_TIMEOUT_MS = 500;
/** How often Node checks the first two: min(1000, headersTimeoutMs) (server/server.ts). */
const CHECK_INTERVAL_MS = Math.min(1000, HEADERS_TIMEOUT_MS);
/**
 * Node (20.x) keeps an idle keep-alive socket 1 s past keepAliveTimeout, so a client that
 * reuses it at the advertised timeout does not race the close: part of the expected bound.
 */
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;
/** Scheduling slack on a loaded two-core machine (Node's own defaults would be a minute or never). */
const SLACK_MS = 1500;

/** Closed by the server with a 408 JSON after `limitMs` (checked every CHECK_INTERVAL_MS), not before. */
function expectTimedOut(connection: RawConnection, closedAfter: number | null, limitMs: number): void {
  expect(closedAfter).not.toBeNull();
  expect(closedAfter!).toBeGreaterThanOrEqual(limitMs - 50);
  expect(closedAfter!).toBeLessThan(limitMs + CHECK_INTERVAL_MS + SLACK_MS);
  expect(connection.response?.status).toBe(408);
  expect(errorOf(connection.response)?.code).toBe('request_timeout');
}

describe('timeouts: slow clients are cut', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      wsFrameTimeoutMs: WS_FRAME_TIMEOUT_MS,
      // Pings would cut a raw client that never pongs; keep them out of the way.
      wsPingIntervalMs: 60_000,
    });
  });
  afterAll(() => server.close());

  it('answers half a request head with 408 request_timeout JSON and closes within headersTimeoutMs', async () => {
    const connection = new RawConnection(server.port);
    try {
      await connection.connected;
      await connection.write('GET /api/time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const closedAfter = await connection.waitClosed(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 3000);
      console.log(`half head: 408 and close after ${closedAfter?.toFixed(0)} ms (headersTimeoutMs ${HEADERS_TIMEOUT_MS})`);
      expectTimedOut(connection, closedAfter, HEADERS_TIMEOUT_MS);
    } finally {
      connection.destroy();
    }
  });

  it('answers half a second head on a kept-alive connection with 408 within headersTimeoutMs', async () => {
    const connection = new RawConnection(server.port);
    try {
      await connection.connected;
      await connection.write(requestBytes({ target: '/api/time' }));
      await connection.until(() => connection.text.includes('"now"'), 3000, 'the first reply');
      const firstReplyBytes = connection.receivedBytes;
      const startedAt = performance.now();
      await connection.write('GET /api/time HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await connection.waitClosed(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 3000);
      const closedAfter = connection.closedAt === null ? null : connection.closedAt - startedAt;
      console.log(`half second head: closed ${closedAfter?.toFixed(0)} ms after it began`);
      expect(closedAfter).not.toBeNull();
      expect(closedAfter!).toBeLessThan(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS);
      const second = connection.received.subarray(firstReplyBytes).toString('latin1');
      expect(second).toMatch(/^HTTP\/1\.1 408 /);
      expect(second).toContain('"request_timeout"');
    } finally {
      connection.destroy();
    }
  });

  it('answers half a WebSocket upgrade head with 408 JSON within headersTimeoutMs', async () => {
    const connection = new RawConnection(server.port);
    try {
      await connection.connected;
      await connection.write('GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
      const closedAfter = await connection.waitClosed(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 3000);
      expectTimedOut(connection, closedAfter, HEADERS_TIMEOUT_MS);
    } finally {
      connection.destroy();
    }
  });

  it('cuts a connection that sends nothing at all within headersTimeoutMs', async () => {
    const connection = new RawConnection(server.port);
    try {
      await connection.connected;
      const closedAfter = await connection.waitClosed(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + 3000);
      console.log(`silent connection: closed after ${closedAfter?.toFixed(0)} ms`);
      expect(closedAfter).not.toBeNull();
      expect(closedAfter!).toBeLessThan(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS);
    } finally {
      connection.destroy();
    }
  });

  it('answers a body dripped slower than requestTimeoutMs with 408 request_timeout JSON', async () => {
    const connection = new RawConnection(server.port);
    const body = JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 1000 }).padEnd(200, ' ');
    try {
      await connection.connected;
      await connection.write(requestBytes({ method: 'POST', target: '/api/channels', headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } }));
      // One byte every 50 ms: the 200-byte body would take 10 s.
      let sent = 0;
      while (!connection.isClosed && sent < body.length && performance.now() - connection.connectedAt < REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 3000) {
        await connection.write(body[sent++]!);
        await sleep(50);
      }
      const closedAfter = connection.closedAt === null ? null : connection.closedAt - connection.connectedAt;
      console.log(`dripped body: 408 after ${closedAfter?.toFixed(0)} ms, ${sent} of ${body.length} body bytes sent`);
      expect(sent).toBeLessThan(body.length);
      expectTimedOut(connection, closedAfter, REQUEST_TIMEOUT_MS);
    } finally {
      connection.destroy();
    }
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const connection = new RawConnection(server.port);
    try {
      await connection.connected;
      await connection.write(requestBytes({ target: '/api/time', headers: { Connection: 'keep-alive' } }));
      await connection.until(() => connection.response?.body.includes('"now"'), 3000, 'the /api/time reply');
      const answeredAt = performance.now();
      expect(connection.response!.headers.connection).toMatch(/keep-alive/i);
      await connection.waitClosed(KEEP_ALIVE_TIMEOUT_MS + 5000);
      const idleFor = connection.closedAt! - answeredAt;
      console.log(`idle keep-alive connection closed ${idleFor.toFixed(0)} ms after its last response (keepAliveTimeoutMs ${KEEP_ALIVE_TIMEOUT_MS})`);
      expect(idleFor).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
      expect(idleFor).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + NODE_KEEP_ALIVE_BUFFER_MS + SLACK_MS);
    } finally {
      connection.destroy();
    }
  });

  it('cuts a WebSocket whose frame is dripped byte by byte after wsFrameTimeoutMs, and keeps one sending whole frames slowly', async () => {
    const ws = await rawWebSocket(server.port, '/ws/echo');
    // The control: small whole frames, one per 200 ms, for three times the frame limit.
    const steady = await rawWebSocket(server.port, '/ws/echo');
    try {
      expect(ws.upgraded).toBe(true);
      expect(steady.upgraded).toBe(true);
      const frame = clientFrame(OPCODES.text, 'a frame that takes far too long to arrive');
      const steadySends = (async () => {
        for (let i = 0; i < 8; i++) {
          await steady.write(clientFrame(OPCODES.text, `tick ${i}`));
          await sleep(200);
        }
      })();
      const startedAt = performance.now();
      let sent = 0;
      // One byte per 100 ms: the whole frame would take ~5 s.
      while (!ws.isClosed && sent < frame.length && performance.now() - startedAt < WS_FRAME_TIMEOUT_MS + 3000) {
        await ws.write(frame.subarray(sent, sent + 1));
        sent++;
        await sleep(100);
      }
      await ws.waitClosed(1000);
      const cutAfter = ws.closedAt === null ? null : ws.closedAt - startedAt;
      console.log(`dripped frame: socket cut ${cutAfter?.toFixed(0)} ms after its first byte, ${sent} of ${frame.length} bytes sent`);
      expect(sent).toBeLessThan(frame.length);
      expect(cutAfter).not.toBeNull();
      expect(cutAfter!).toBeGreaterThanOrEqual(WS_FRAME_TIMEOUT_MS - 50);
      expect(cutAfter!).toBeLessThan(WS_FRAME_TIMEOUT_MS + WS_FRAME_TIMEOUT_MS / 4 + SLACK_MS);
      // Destroyed, not closed politely: no echo of the half frame ever came back.
      expect(framesOf(ws).filter((f) => f.opcode === OPCODES.text)).toEqual([]);

      // The limit is per frame, not per connection: the steady sender is still there, echoed.
      await steadySends;
      await steady.until(() => framesOf(steady).filter((f) => f.opcode === OPCODES.text).length === 8, 3000, 'eight echoes');
      expect(steady.isClosed).toBe(false);
      expect(closeCodeOf(steady)).toBeNull();
      const echoes = framesOf(steady).filter((f) => f.opcode === OPCODES.text).map((f) => f.payload.toString());
      expect(echoes).toEqual(Array.from({ length: 8 }, (_, i) => `Echo: tick ${i}`));
    } finally {
      ws.destroy();
      steady.destroy();
    }
  });
});
