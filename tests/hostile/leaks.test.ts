import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldBytes, startChildServer, type ChildServer, type Measure } from '../helpers/hostile-child.ts';
import { TRANSPORTS, transportSpec, transportsOfKind } from '../../src/protocol/transports.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { inBatches, mib, RawConnection, requestBytes } from '../helpers/hostile-raw.ts';
import { parseStreamResponse } from '../helpers/stream-parsers.ts';
import { rawWebSocket, upgradeRequest } from '../helpers/hostile-ws.ts';
import { waitFor } from '../helpers/server.ts';

// Readers that connect and vanish, thousands of times: SSE streams aborted at once or in the
// middle of a big backlog, long polls aborted while held, WebSockets cut mid-replay. Before the
// hardening each left ~20 KB behind (a subscription, listeners on a shared AbortSignal, a
// queued backlog), so a reconnect loop grew the server without bound. The server runs in its
// own process (--expose-gc) and its heap is measured after forced GC: after a warm-up, then
// after the cycles. The warm-up fills the one-off caches (framed events, rate-limiter keys).
const KiB = 1024;
/** Allowed heap growth over a whole run of cycles: a leak of 20 KB per cycle is 20-40x this. */
const HEAP_BOUND_BYTES = 2 * 1024 * KiB;

/** Cycles run this many at a time: below Node's 10-listener warning, so a warning means a leak. */
const IN_FLIGHT = 8;

/**
 * The client can be ahead of the server: a connection it has already opened, used and closed
 * may still sit in the server's accept queue. So "released" must hold for a while, not once.
 */
async function settled(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let since: number | null = null;
  while (performance.now() < deadline) {
    if (await check()) {
      since ??= performance.now();
      if (performance.now() - since >= 500) return true;
    } else since = null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const listenerWarnings = (before: Measure, after: Measure) =>
  after.warnings.slice(before.warnings.length).filter((warning) => /MaxListenersExceeded/.test(warning));

describe('leaks: connect/abort cycles leave nothing behind', () => {
  let server: ChildServer;
  /** A channel of 150 events of 16 KiB (2.4 MiB), ended, so every after=0 replays all of it. */
  let bigChannel = '';
  /** A channel with one event that has ended: a long poll after it waits until its timeout. */
  let idleChannel = '';
  let idleCursor = '';

  beforeAll(async () => {
    server = await startChildServer({
      requestsPerSecondPerAddress: 1_000_000,
      streamsPerAddress: 100_000,
      socketsPerAddress: 100_000,
      bufferMaxBytes: 64 * 1024 * KiB,
    });
    const create = async (body: object) => {
      const response = await fetch(`${server.url}/api/channels`, { method: 'POST', body: JSON.stringify(body) });
      return ((await response.json()) as { channel: string }).channel;
    };
    bigChannel = await create({ intervalMs: 20, payloadBytes: 16 * KiB, durationMs: 3000 });
    idleChannel = await create({ intervalMs: 20, payloadBytes: 0, durationMs: 20 });
    const latest = async (channel: string) => ((await (await fetch(`${server.url}/api/short-poll?channel=${channel}`)).json()) as { cursor: string }).cursor;
    idleCursor = await waitFor(async () => ((await latest(idleChannel)).endsWith('-1') ? latest(idleChannel) : null), 5000, 'the idle channel');
    await waitFor(async () => (await latest(bigChannel)).endsWith('-150'), 10_000, 'the big channel to publish its 150 events');
  });
  afterAll(() => server.kill());

  /** Runs `warmUp` then `cycles` cycles of `cycle`; returns the measurements around the second run. */
  const measureCycles = async (label: string, warmUp: number, cycles: number, cycle: (index: number) => Promise<void>, channel: string) => {
    await inBatches(warmUp, IN_FLIGHT, cycle);
    expect(await settled(async () => (await server.subscribers(channel)) === 0), 'the warm-up readers released').toBe(true);
    const before = await server.measure();
    const started = performance.now();
    await inBatches(cycles, IN_FLIGHT, cycle);
    const took = performance.now() - started;
    const released = await settled(async () => (await server.subscribers(channel)) === 0);
    const after = await server.measure();
    const growth = after.heapUsed - before.heapUsed;
    console.log(
      `${label}: ${cycles} cycles in ${took.toFixed(0)} ms; heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} ` +
        `(${growth >= 0 ? '+' : ''}${(growth / KiB).toFixed(0)} KiB, ${(growth / cycles).toFixed(0)} B/cycle; bound ${mib(HEAP_BOUND_BYTES)}), ` +
        `heap+external ${mib(heldBytes(before))} → ${mib(heldBytes(after))}, descriptors ${before.fds} → ${after.fds}`,
    );
    return { before, after, growth, released };
  };

  const expectNothingHeld = async (result: Awaited<ReturnType<typeof measureCycles>>, channel: string) => {
    expect(result.released, 'subscribers back to 0').toBe(true);
    expect(await server.subscribers(channel)).toBe(0);
    expect((await server.held()).streams).toBe(0);
    expect(result.growth).toBeLessThan(HEAP_BOUND_BYTES);
    expect(result.after.fds).toBeLessThanOrEqual(result.before.fds + 2);
    expect(listenerWarnings(result.before, result.after)).toEqual([]);
  };

  it.each(transportsOfKind('stream'))('keeps the heap flat and holds nothing after 2,000 %s connect/abort cycles', async (transport) => {
    const cycle = async () => {
      const connection = new RawConnection(server.port);
      await connection.connected;
      await connection.write(requestBytes({ target: `${transportSpec(transport).path}?after=0` }));
      await connection.until(() => parseStreamResponse(connection.received)?.cursor !== undefined, 5000, 'the stream to open');
      connection.destroy();
      await connection.closed;
    };
    const result = await measureCycles(`${transport} connect/abort`, 200, 2000, cycle, 'ticker');
    await expectNothingHeld(result, 'ticker');
  });

  it.each(transportsOfKind('stream'))('keeps the heap flat and holds nothing after 300 %s streams aborted while a 2.4 MiB backlog is being flushed', async (transport) => {
    const cycle = async (index: number) => {
      const connection = new RawConnection(server.port);
      await connection.connected;
      await connection.write(requestBytes({ target: `${transportSpec(transport).path}?channel=${bigChannel}&after=0` }));
      // Mid-flush: some of the backlog is here, most is still in the server's hands.
      await connection.until(() => connection.receivedBytes >= 64 * KiB, 5000, 'part of the backlog');
      if (index % 2) connection.socket.resetAndDestroy();
      else connection.destroy();
      await connection.closed;
    };
    // The warm-up reads the whole backlog once, so every event's framed bytes are cached.
    const whole = startReader(transport, { baseUrl: server.url, channel: bigChannel, client: 'whole', after: '0' });
    await waitFor(() => whole.log.events.length === 150, 10_000, 'the whole backlog');
    await whole.stop();
    const result = await measureCycles(`${transport} aborted mid-backlog`, 30, 300, cycle, bigChannel);
    await expectNothingHeld(result, bigChannel);
  });

  it('keeps the heap flat and holds no waiter after 1,000 long polls aborted while held', async () => {
    let unanswered = true;
    const cycle = async () => {
      const connection = new RawConnection(server.port);
      await connection.connected;
      await connection.write(requestBytes({ target: `/api/long-poll?channel=${idleChannel}&after=${idleCursor}&timeout=50000` }));
      // Held: the poll has subscribed (waitForNewer) before we go away.
      await waitFor(async () => (await server.subscribers(idleChannel)) > 0, 5000, 'the poll to be held');
      if (connection.receivedBytes > 0) unanswered = false;
      connection.destroy();
      await connection.closed;
    };
    const result = await measureCycles('long poll aborted while held', 100, 1000, cycle, idleChannel);
    await expectNothingHeld(result, idleChannel);
    // Not one of them was answered: each was aborted while the server held it.
    expect(unanswered).toBe(true);
  });

  it('keeps the heap flat and holds no socket after 200 WebSockets cut in the middle of a 2.4 MiB replay', async () => {
    const cycle = async (index: number) => {
      const ws = await rawWebSocket(server.port, `/ws/feed?channel=${bigChannel}&after=0`);
      expect(ws.upgraded).toBe(true);
      await ws.until(() => ws.receivedBytes >= 64 * KiB, 5000, 'part of the replay');
      if (index % 2) ws.socket.resetAndDestroy();
      else ws.destroy();
      await ws.closed;
    };
    const whole = await rawWebSocket(server.port, `/ws/feed?channel=${bigChannel}&after=0`);
    await whole.until(() => whole.text.includes('"seq":150,'), 10_000, 'the whole replay');
    whole.destroy();
    const result = await measureCycles('websocket cut mid-replay', 30, 200, cycle, bigChannel);
    await expectNothingHeld(result, bigChannel);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { connections: { websockets: number } };
    expect(health.connections.websockets).toBe(0);
  });

  it('holds nothing after 1,200 requests reset before their response starts (streams, long poll, WebSocket upgrades)', async () => {
    const targets = [
      ...transportsOfKind('stream').map((name) => requestBytes({ target: `${transportSpec(name).path}?channel=${idleChannel}` })),
      requestBytes({ target: `/api/long-poll?channel=${idleChannel}&after=${idleCursor}&timeout=50000` }),
      ...transportsOfKind('socket').map((name) => upgradeRequest(`${transportSpec(name).path}?channel=${idleChannel}`)),
    ];
    const before = await server.measure();
    await inBatches(1200, IN_FLIGHT, async (i) => {
      const connection = new RawConnection(server.port);
      await connection.connected;
      // The request and the reset leave together: the server meets a socket that is already gone.
      connection.socket.write(targets[i % targets.length]!);
      if (i % 2) connection.socket.resetAndDestroy();
      else connection.destroy();
      await connection.closed;
    });
    await settled(async () => (await server.held()).streams === 0 && (await server.subscribers(idleChannel)) === 0);
    const after = await server.measure();
    expect(await server.subscribers(idleChannel)).toBe(0);
    expect((await server.held()).streams).toBe(0);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { connections: { websockets: number; byTransport: Record<string, number> } };
    expect(health.connections.websockets).toBe(0);
    expect(health.connections.byTransport).toEqual(Object.fromEntries(TRANSPORTS.map((name) => [name, 0])));
    expect(after.fds).toBeLessThanOrEqual(before.fds + 2);
    expect(listenerWarnings(before, after)).toEqual([]);
  });
});

describe('leaks: many readers at once', () => {
  it('emits no MaxListenersExceededWarning while 40 streams of each kind and 40 long polls are open at once', async () => {
    // 60 phones in a classroom is the use case; each stream must not add a listener to one
    // shared AbortSignal (Node warns past 10, and the warning names a "memory leak").
    const server = await startChildServer({ requestsPerSecondPerAddress: 100_000 });
    const connections: RawConnection[] = [];
    try {
      const latest = async (channel: string) => ((await (await fetch(`${server.url}/api/short-poll?channel=${channel}`)).json()) as { cursor: string }).cursor;
      const tickerCursor = await latest('ticker');
      const created = await fetch(`${server.url}/api/channels`, { method: 'POST', body: JSON.stringify({ intervalMs: 20, payloadBytes: 0, durationMs: 20 }) });
      const idle = ((await created.json()) as { channel: string }).channel;
      const idleCursor = await waitFor(async () => ((await latest(idle)).endsWith('-1') ? latest(idle) : null), 5000, 'the idle channel');
      for (let i = 0; i < 40; i++) {
        const streams = transportsOfKind('stream').map((name) => `${transportSpec(name).path}?after=${tickerCursor}`);
        for (const target of [...streams, `/api/long-poll?channel=${idle}&after=${idleCursor}&timeout=30000`]) {
          const connection = new RawConnection(server.port);
          await connection.connected;
          await connection.write(requestBytes({ target }));
          connections.push(connection);
        }
      }
      await waitFor(async () => (await server.subscribers(idle)) === 40, 5000, '40 held long polls');
      const { warnings } = await server.measure();
      console.log(`warnings with 40 of each stream + 40 long polls open: ${JSON.stringify(warnings)}`);
      expect(warnings.filter((warning) => /MaxListenersExceeded/.test(warning))).toEqual([]);
    } finally {
      for (const connection of connections) connection.destroy();
      server.kill();
    }
  });
});
