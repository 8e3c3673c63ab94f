// The connection attacks of bench/hostile.ts (SSE cycles, h2c, readers that stop reading,
// inspector crowds), one Attack each, and the list the bench runs (floods in hostile-floods.ts).
import WebSocket from 'ws';
import { getRequest, pool, RawClient, webSocketRequest } from './hostile-clients.ts';
import { health, sleep } from './hostile-target.ts';
import { MiB, MANY_CLIENTS, goal, type Attack, mb, ms, seconds, heavyChannel } from './hostile-goals.ts';
import { chatFlood, pingFlood } from './hostile-floods.ts';

const sseCycles: Attack = {
  id: 'a',
  title: '2,000 SSE connect/abort cycles',
  short: 'SSE connect/abort × 2000',
  settings: MANY_CLIENTS,
  async run(target) {
    const CYCLES = 2000;
    const CONCURRENCY = 25;
    // Four ways to leave, in turn: each must release the stream slot, subscription and timer.
    const styles = ['reset (RST) right after the request', 'closed once the response head came', 'FIN after the first id: line', 'closed halfway through the request head'];
    const counts = styles.map(() => 0);
    const statuses = new Map<number, number>();
    let errors = 0;
    const started = performance.now();
    await pool(CYCLES, CONCURRENCY, async (i) => {
      const style = i % styles.length;
      counts[style]!++;
      const head = getRequest(target.port, '/api/sse?channel=ticker&after=0', { Accept: 'text/event-stream' });
      let client: RawClient;
      try {
        client = await RawClient.open(target.port);
      } catch {
        errors++;
        return;
      }
      if (style === 3) return void client.socket.end(head.slice(0, head.length >> 1), () => client.socket.destroy());
      client.socket.write(head);
      if (style === 0) return void client.socket.resetAndDestroy();
      await client.until((c) => (style === 1 ? c.headComplete : /\r\n\r\n[\s\S]*id: /.test(c.received)), 5000);
      statuses.set(client.status, (statuses.get(client.status) ?? 0) + 1);
      if (style === 1) return void client.socket.destroy();
      client.socket.end();
      await client.until((c) => c.closed, 5000);
      client.socket.destroy();
    });
    const endedAt = performance.now();
    const waited = counts[1]! + counts[2]!;
    return {
      endedAt,
      notes: [
        `${CYCLES} cycles in ${seconds(started)}, ${CONCURRENCY} at a time: ${styles.map((s, i) => `${counts[i]} ${s}`).join('; ')}`,
        `replies to the ${waited} that waited: ${[...statuses].map(([status, n]) => `${n} × ${status || 'none'}`).join(', ')}${errors ? `; ${errors} connects failed` : ''}`,
      ],
      goals: [goal(`every stream that waited got 200 (${statuses.get(200) ?? 0}/${waited})`, statuses.get(200) === waited && errors === 0)],
    };
  },
};

const h2cUpgrades: Attack = {
  id: 'b',
  title: '500 Upgrade: h2c requests',
  short: 'h2c upgrades × 500',
  settings: MANY_CLIENTS,
  async run(target) {
    const REQUESTS = 500;
    const CONCURRENCY = 25;
    let answered = 0;
    let closedByServer = 0;
    const started = performance.now();
    await pool(REQUESTS, CONCURRENCY, async () => {
      const client = await RawClient.open(target.port);
      client.socket.write(
        getRequest(target.port, '/api/time', { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' }),
      );
      if (await client.until((c) => c.endedByServer, 5000)) closedByServer++;
      if (client.status === 200 && /\r\n\r\n\{"now":\d+\}/.test(client.received)) answered++;
      client.socket.destroy();
    });
    return {
      endedAt: performance.now(),
      notes: [`${REQUESTS} requests in ${seconds(started)}, ${CONCURRENCY} at a time: ${answered} answered 200 {"now"}, ${closedByServer} closed by the server within 5 s`],
      goals: [
        goal(`every h2c request served as plain HTTP (${answered}/${REQUESTS})`, answered === REQUESTS),
        goal(`every h2c connection closed by the server (${closedByServer}/${REQUESTS})`, closedByServer === REQUESTS),
      ],
    };
  },
};

const stalledFeedReaders: Attack = {
  id: 'c',
  title: '20 WebSocket feed readers that never read',
  short: 'stalled feed sockets × 20',
  settings: { ...MANY_CLIENTS, SLOW_CONSUMER_MS: '2000' },
  allowance: { mb: 8, why: 'the channel buffer’s framed WebSocket copies, one per buffered event' },
  prepare: heavyChannel,
  async run(target, channel) {
    const READERS = 20;
    const HOLD_MS = 8000;
    const readers = await Promise.all(
      Array.from({ length: READERS }, async () => {
        const client = await RawClient.open(target.port);
        client.socket.write(webSocketRequest(target.port, `/ws/feed?channel=${channel}&after=0`));
        await client.until((c) => c.headComplete, 5000);
        client.socket.pause(); // and never read again
        return client;
      }),
    );
    const upgraded = readers.filter((r) => r.status === 101).length;
    const started = performance.now();
    let cutAllMs: number | null = null;
    let peakStreams = 0;
    while (performance.now() - started < HOLD_MS) {
      await sleep(100);
      const figures = await target.measure({ channel });
      peakStreams = Math.max(peakStreams, figures.streamsHeld);
      if (cutAllMs === null && figures.streamsHeld === 0 && figures.channelSubscribers === 0) cutAllMs = performance.now() - started;
    }
    const fdsAtEnd = target.fds();
    for (const reader of readers) reader.socket.destroy();
    return {
      endedAt: performance.now(),
      notes: [
        `${upgraded}/${READERS} handshakes completed on ${channel} (after=0: the 8 MiB backlog at once), then no reads for ${HOLD_MS / 1000} s`,
        `server held ${peakStreams} streams at most; cut every reader ${cutAllMs === null ? 'NOT within the hold' : `after ${ms(cutAllMs)}`}; descriptors at the end of the hold: ${fdsAtEnd}`,
      ],
      goals: [
        goal(`every handshake completed (${upgraded}/${READERS})`, upgraded === READERS),
        goal(`server cut every stalled reader within ${HOLD_MS / 1000} s (slow-consumer 2 s + 2 s close grace)`, cutAllMs !== null),
      ],
    };
  },
};

const STALLED_POLLERS = 10;
const stalledPollers: Attack = {
  id: 'd',
  title: '10 short-poll clients that never read',
  short: 'stalled short polls × 10',
  settings: { ...MANY_CLIENTS, SLOW_CONSUMER_MS: '3000' },
  prepare: heavyChannel,
  // Node parses every request of a chunk at once and would answer each into memory; the server's
  // pipeline gate runs them one at a time, each once the reply before it has left our buffer, so
  // a reader that never reads costs about one reply (REPLY_MAX_BYTES, 256 KiB) plus the socket's
  // buffers, and is cut after SLOW_CONSUMER_MS.
  async run(target, channel) {
    const CLIENTS = STALLED_POLLERS;
    const PIPELINED = 20;
    const HOLD_MS = 8000;
    const request = getRequest(target.port, `/api/short-poll?channel=${channel}&after=0`);
    const idle = await target.measure({ gc: true });
    const baseline = idle.heapUsedBytes + idle.externalBytes;
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const client = await RawClient.open(target.port);
        client.socket.pause();
        client.socket.write(request.repeat(PIPELINED));
        return client;
      }),
    );
    await sleep(1500);
    const stalled = await target.measure({ gc: true });
    const heldPerConnection = (stalled.heapUsedBytes + stalled.externalBytes - baseline) / CLIENTS;
    await sleep(HOLD_MS - 1500);
    // Which of the stalled connections the server still holds (its socket slots, less any
    // health check of the watcher in flight: the least of a few looks).
    let stillHeld = Infinity;
    for (let i = 0; i < 5; i++) {
      stillHeld = Math.min(stillHeld, (await target.measure()).socketsHeld);
      await sleep(30);
    }
    const rss = target.rss();
    for (const client of clients) client.socket.destroy();
    return {
      endedAt: performance.now(),
      notes: [
        `${CLIENTS} clients × ${PIPELINED} pipelined GET /api/short-poll?channel=…&after=0 (~256 KiB replies), not a byte read, held ${HOLD_MS / 1000} s`,
        `while they stalled: heap+external held after GC ${mb(heldPerConnection)} MB per connection; ` +
          `after ${HOLD_MS / 1000} s the server still held ${stillHeld}/${CLIENTS} of them (RSS then ${mb(rss)} MB)`,
      ],
      goals: [
        goal(`memory held per stalled connection ${mb(heldPerConnection)} MB ≤ 2 replies (0.5 MB)`, heldPerConnection <= 0.5 * MiB),
        goal(`every stalled connection cut within ${HOLD_MS / 1000} s (SLOW_CONSUMER_MS 3 s: a queued request waits at most that, a reply stuck unread is cut after twice that)`, stillHeld === 0),
      ],
    };
  },
};

const inspectCrowd: Attack = {
  id: 'e',
  title: '400 /ws/inspect sockets × 64 KiB of messages',
  short: 'inspect sockets × 400',
  settings: MANY_CLIENTS,
  // The inspector keeps the last 200 connections' frames (2 min after close) within
  // INSPECT_TOTAL_MAX_BYTES; 200 idle inspect connections then push them out, and what is
  // still held after that is a leak.
  async afterwards(target) {
    const kept = await target.measure({ gc: true });
    await pool(200, 20, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${target.port}/ws/inspect`);
      ws.on('error', () => {});
      await new Promise((resolve) => (ws.once('message', resolve), ws.once('close', resolve)));
      ws.terminate();
      await new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(null) : ws.once('close', resolve)));
    });
    const pushedOut = await target.measure({ gc: true });
    // What the kept recordings cost: the memory that went when they were forgotten.
    const recordings = kept.heapUsedBytes + kept.externalBytes - (pushedOut.heapUsedBytes + pushedOut.externalBytes);
    return [
      goal(
        `the last 200 connections' recordings held ${mb(recordings)} MB (after GC) ≤ INSPECT_TOTAL_MAX_BYTES 32 MiB (their frame bytes: 200 × ~132 KB ≈ 26 MB)`,
        recordings <= 32 * MiB,
      ),
    ];
  },
  allowance: { mb: 4, why: 'after 200 idle inspect connections pushed the recordings out; the inspector remembers those 2 min' },
  async run(target) {
    const SOCKETS = 400;
    const CONNECTING = 25;
    const MESSAGES = 64;
    const message = 'x'.repeat(1024);
    const sockets: WebSocket[] = [];
    const ids: string[] = [];
    let complete = 0;
    const started = performance.now();
    await pool(SOCKETS, CONNECTING, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${target.port}/ws/inspect`);
      sockets.push(ws);
      ws.on('error', () => {});
      let echoes = 0;
      const done = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        ws.once('close', () => (clearTimeout(timer), resolve(false)));
        ws.on('message', (data) => {
          const text = String(data);
          if (text.startsWith('{"type":"inspect"')) {
            ids.push((JSON.parse(text) as { id: string }).id);
            for (let i = 0; i < MESSAGES; i++) ws.send(message);
          } else if (++echoes === MESSAGES) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      if (await done) complete++;
    });
    const sent = `${SOCKETS} sockets opened (${CONNECTING} connecting at a time), each sent ${MESSAGES} × 1 KiB and read the echoes in ${seconds(started)}: ${complete} complete`;
    const lastId = ids.at(-1);
    for (const ws of sockets) ws.terminate();
    const endedAt = performance.now();
    // The inspector still answers for a recorded connection after the crowd is gone.
    await sleep(100);
    const inspect = await fetch(`${target.url}/api/inspect/${lastId}`, { headers: { Connection: 'close' } }).catch(() => null);
    const reply = inspect?.ok ? ((await inspect.json()) as { frames: unknown[]; droppedFrames: number }) : null;
    return {
      endedAt,
      notes: [sent, `GET /api/inspect/<last id>: ${inspect?.status ?? 'no answer'}${reply ? `, ${reply.frames.length} frames, ${reply.droppedFrames} dropped by the budget` : ''}`],
      goals: [goal(`every socket got all its echoes (${complete}/${SOCKETS})`, complete === SOCKETS), goal('the inspector still answers for a recorded connection', reply !== null)],
    };
  },
};


/** Every attack, in the order the bench runs them. */
export const ATTACKS: readonly Attack[] = [sseCycles, h2cUpgrades, stalledFeedReaders, stalledPollers, inspectCrowd, pingFlood, chatFlood];
