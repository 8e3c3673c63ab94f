// Capacity: what one connection costs the project server, next to a bare server doing the same
// work with only node:http + ws (bench/support/capacity-bare.ts), measured in the same run. Each
// server runs in a child process of its own (a fresh one per measurement, so one phase's freed
// memory does not flatter the next); this process is the load generator. Loopback only, every
// phase bounded in count and time. Figures:
//   - RSS per connection: RSS after opening N connections and a full GC (read a second after
//     it: child-memory.ts `SETTLE_AFTER_GC_MS`), minus RSS before,
//     divided by N, for N WebSockets (/ws/feed), held long polls, and each stream transport of
//     the catalog (SSE, the fetch stream); then all of them open at once on one server. Both RSS figures
//     leave out V8's young generation (child-memory.ts `youngGenBytes`): after the full GC it
//     holds no live object, but V8 grows it with the allocation rate while the N connections
//     open (~3.5 → ~8 MB for 1,000), which the first version of this bench counted as memory
//     per connection (2.5-4 KiB of the bare server's figure at N = 1,000). It is printed beside
//     each phase, so the raw RSS delta stays visible;
//   - fan-out: one event to every one of the N WebSockets, delivery delay at the clients
//     (receive time − the event's `at`, same machine clock), p50/p99 over several events;
//   - short-poll replies per second from 50 keep-alive connections looping for 5 s.
// The project server runs as shipped (socket tap included) with the fair-use limits raised
// (one address plays every client) and the ticker slowed to one event an hour, so the feed
// is idle while connections are counted; the bench publishes each fan-out event over IPC.
// CAPACITY_QUICK=1 (or --quick) uses 1/10 of the connection counts. Exits 1 when a goal is missed.
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { memoryGrowth, type CapacityFigures, type MemoryGrowth } from './support/capacity-ipc.ts';
import { runBench, Deliveries, GoalRows, ONE_ADDRESS_SETTINGS, inBatches, percentile, openFeedSocket, openHeldRequest, requestLoop, ServerChild, sleep } from './support/capacity-clients.ts';
import { fdLimits } from './support/hostile-target.ts';
import { transportSpec, transportsOfKind, type TransportName } from '../src/protocol/transports.ts';

const QUICK = process.argv.includes('--quick') || ['1', 'true', 'yes'].includes(process.env.CAPACITY_QUICK ?? '');
const SCALE = QUICK ? 10 : 1;
const FULL = { websockets: 10_000, longPolls: 5_000, stream: 1_000 };
const COUNT = { websockets: FULL.websockets / SCALE, longPolls: FULL.longPolls / SCALE, stream: FULL.stream / SCALE };
const WEBSOCKET_PATH = transportSpec('websocket').path;
/** Every transport that holds a connection open per reader, with its count: long polls, then every stream of the catalog. */
const HELD: Array<{ name: TransportName; count: number; full: number }> = [
  { name: 'long-poll', count: COUNT.longPolls, full: FULL.longPolls },
  ...transportsOfKind('stream').map((name) => ({ name, count: COUNT.stream, full: FULL.stream })),
];
const FULL_ALL = FULL.websockets + HELD.reduce((sum, { full }) => sum + full, 0);
const BATCH = 200;
const FANOUT_ROUNDS = 5;
const SHORT_POLL_CONNECTIONS = 50;
const SHORT_POLL_MS = 5000;

const KiB = 1024;
const MiB = 1024 * KiB;
/** Goals. */
const WS_RSS_RATIO_MAX = 1.5;
const LONG_POLL_RSS_MAX = 8 * KiB;
const STREAM_RSS_MAX = 10 * KiB;
const ALL_CONNECTIONS_MAX = 250 * 1000 * 1000; // "250 MB"
const FANOUT_P99_RATIO_MAX = 1.2;
const SHORT_POLL_RATIO_MIN = 0.5;

const PROJECT_SETTINGS = { ...ONE_ADDRESS_SETTINGS, LONG_POLL_MAX_TIMEOUT_MS: '55000' };
type Kind = 'bare' | 'project';
const SCRIPT: Record<Kind, string> = { bare: 'bench/support/capacity-bare.ts', project: 'bench/support/capacity-project.ts' };
const SETTINGS: Record<Kind, Record<string, string>> = { bare: {}, project: PROJECT_SETTINGS };
const LABEL: Record<Kind, string> = { bare: 'bare node:http + ws', project: 'project server' };

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const kib = (bytes: number) => `${(bytes / KiB).toFixed(2)} KiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const youngText = (before: CapacityFigures, after: CapacityFigures) => `young generation ${mb(before.youngGenBytes)} → ${mb(after.youngGenBytes)}, left out`;
const msText = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

/** Starts a fresh server child of `kind`, runs `body` on it, always stops it and closes `opened`. */
async function withServer<T>(kind: Kind, fdsNeeded: number, body: (server: ServerChild, opened: Array<{ close(): void }>) => Promise<T>): Promise<T> {
  const server = await ServerChild.start(SCRIPT[kind], SETTINGS[kind], fdsNeeded);
  console.log(`    ${LABEL[kind]}: Node ${server.node}, pid ${server.child.pid}, ${server.fdNote}`);
  const opened: Array<{ close(): void }> = [];
  try {
    return await body(server, opened);
  } finally {
    for (const connection of opened) connection.close();
    if (server.log.length) {
      console.log(`    ${LABEL[kind]} stderr (${server.log.length} lines):`);
      for (const line of server.log.slice(0, 5)) console.log(`      ${line.slice(0, 200)}`);
    }
    await server.stop();
  }
}

const asClosable = (socket: Socket) => ({ close: () => socket.destroy() });
const wsClosable = (ws: WebSocket) => ({ close: () => ws.terminate() });

/** N WebSockets: RSS per connection, then FANOUT_ROUNDS events fanned out to all of them. */
async function webSockets(kind: Kind) {
  const n = COUNT.websockets;
  return withServer(kind, n + 1024, async (server, opened) => {
    const deliveries = new Deliveries();
    // Warm-up: the handshake and send paths compile before the baseline is taken.
    const warm = await inBatches(20, 20, () => openFeedSocket(server.url, deliveries));
    const warmEvent = await server.publish();
    await deliveries.until(warmEvent.seq, 20, 10_000);
    for (const ws of warm) ws.terminate();
    await server.waitFor((f) => f.held.all === 0);
    await sleep(300);
    const before = await server.measure();
    const openStarted = performance.now();
    const sockets = await inBatches(n, BATCH, async () => {
      const ws = await openFeedSocket(server.url, deliveries);
      opened.push(wsClosable(ws));
      return ws;
    });
    const openMs = performance.now() - openStarted;
    await server.waitFor((f) => (f.held.byPath[WEBSOCKET_PATH] ?? 0) >= n);
    const after = await server.measure();
    const memory = memoryGrowth(before, after, n);
    // Fan-out: one warm-up event, then FANOUT_ROUNDS measured, one at a time.
    const delays: number[] = [];
    const roundP99: number[] = [];
    for (let round = 0; round <= FANOUT_ROUNDS; round++) {
      const { seq } = await server.publish();
      await deliveries.until(seq, n, 30_000);
      if (round > 0) {
        const these = deliveries.of(seq);
        delays.push(...these);
        roundP99.push(percentile([...these].sort((a, b) => a - b), 99));
      }
      await sleep(300);
    }
    delays.sort((a, b) => a - b);
    const fanout = { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays[delays.length - 1] ?? NaN, roundP99 };
    console.log(
      `    ${LABEL[kind]}: ${n} WebSockets opened in ${(openMs / 1000).toFixed(1)} s; RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)} ` +
        `(${youngText(before, after)}; heap ${kib(memory.heapPerConnection)}/conn, external ${kib(memory.externalPerConnection)}/conn); ` +
        `fan-out p50 ${msText(fanout.p50)} p99 ${msText(fanout.p99)} max ${msText(fanout.max)} (per-event p99: ${roundP99.map((v) => v.toFixed(1)).join(', ')})`,
    );
    for (const ws of sockets) ws.terminate();
    return { memory, fanout };
  });
}

/** Where one held request of `name` is ready: a long poll once sent, a stream once its cursor came (SSE `id:`, NDJSON `"cursor"`). */
const heldPath = (name: TransportName) => `${transportSpec(name).path}?channel=ticker${transportSpec(name).kind === 'poll' ? '&timeout=55000' : ''}`;
const heldReady = (name: TransportName) => (transportSpec(name).kind === 'poll' ? null : /\r\n\r\n[\s\S]*(id: |"cursor")/);

/** N held long polls or streams of one transport: RSS per connection. */
async function heldRequests(kind: Kind, name: TransportName, n: number) {
  const path = heldPath(name);
  const until = heldReady(name);
  const held = (f: CapacityFigures) => f.held.byPath[transportSpec(name).path] ?? 0;
  return withServer(kind, n + 1024, async (server, opened) => {
    // Warm-up: a few of the same requests, answered by one event (long polls) or closed.
    const warm = await inBatches(20, 20, () => openHeldRequest(server.port, path, until));
    await server.waitFor((f) => held(f) >= 20);
    await server.publish();
    await sleep(200);
    for (const socket of warm) socket.destroy();
    await server.waitFor((f) => f.held.all === 0);
    await sleep(300);
    const before = await server.measure();
    const openStarted = performance.now();
    await inBatches(n, BATCH, async () => {
      const socket = await openHeldRequest(server.port, path, until);
      opened.push(asClosable(socket));
      return socket;
    });
    await server.waitFor((f) => held(f) >= n);
    const openMs = performance.now() - openStarted;
    const after = await server.measure();
    const memory = memoryGrowth(before, after, n);
    console.log(
      `    ${LABEL[kind]}: ${n} held ${name} in ${(openMs / 1000).toFixed(1)} s; ` +
        `RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)} (${youngText(before, after)}; heap ${kib(memory.heapPerConnection)}/conn, external ${kib(memory.externalPerConnection)}/conn)`,
    );
    return memory;
  });
}

/** Every connection of every phase open at once on one server: the total it holds. */
async function allAtOnce(kind: Kind) {
  const total = COUNT.websockets + HELD.reduce((sum, { count }) => sum + count, 0);
  return withServer(kind, total + 1024, async (server, opened) => {
    const deliveries = new Deliveries();
    const warm = await inBatches(20, 20, () => openFeedSocket(server.url, deliveries));
    for (const ws of warm) ws.terminate();
    await server.waitFor((f) => f.held.all === 0);
    await sleep(300);
    const before = await server.measure();
    const openStarted = performance.now();
    await inBatches(COUNT.websockets, BATCH, async () => opened.push(wsClosable(await openFeedSocket(server.url, deliveries))));
    // Long polls last: each is held for at most its 55 s timeout, so they are opened nearest the measurement.
    for (const { name, count } of [...HELD].reverse()) {
      await inBatches(count, BATCH, async () => opened.push(asClosable(await openHeldRequest(server.port, heldPath(name), heldReady(name)))));
    }
    await server.waitFor((f) => f.held.all >= total);
    const openMs = performance.now() - openStarted;
    const after = await server.measure();
    const memory = memoryGrowth(before, after, total);
    console.log(
      `    ${LABEL[kind]}: ${total} connections (${COUNT.websockets} WebSockets, ${HELD.map(({ name, count }) => `${count} ${name}`).join(', ')}) in ${(openMs / 1000).toFixed(1)} s; ` +
        `RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)} (${youngText(before, after)}; heap ${kib(memory.heapPerConnection)}/conn)`,
    );
    return memory;
  });
}

async function shortPolls(kind: Kind) {
  return withServer(kind, 1024, async (server) => {
    const path = '/api/short-poll?channel=ticker';
    await requestLoop(server.port, path, SHORT_POLL_CONNECTIONS, 1000); // warm-up
    await sleep(300);
    const result = await requestLoop(server.port, path, SHORT_POLL_CONNECTIONS, SHORT_POLL_MS);
    console.log(
      `    ${LABEL[kind]}: ${Math.round(result.rps)} replies/s over ${SHORT_POLL_CONNECTIONS} keep-alive connections for ${SHORT_POLL_MS / 1000} s ` +
        `(statuses ${[...result.statuses].map(([s, c]) => `${c} × ${s}`).join(', ')}; ${result.errors} connection errors)`,
    );
    return result;
  });
}

const goals = new GoalRows();
const row = goals.row.bind(goals);

async function main() {
  const own = fdLimits();
  const heldText = HELD.map(({ name, count }) => `${count} ${name}`).join(', ');
  console.log(
    `capacity${QUICK ? ' --quick (1/10 of the connection counts)' : ''}: ${COUNT.websockets} WebSockets, ${heldText}; ` +
      `fan-out of ${FANOUT_ROUNDS} events (+1 warm-up), short poll ${SHORT_POLL_CONNECTIONS} connections × ${SHORT_POLL_MS / 1000} s; then all of them at once; loopback 127.0.0.1; connections opened ${BATCH} at a time`,
  );
  console.log(`    load generator: this process (pid ${process.pid}), fd limit ${own.soft}; each server in a fresh child process per phase`);
  console.log(`    project settings: ${Object.entries(PROJECT_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')} (socket tap on, as shipped)`);
  const allCount = COUNT.websockets + HELD.reduce((sum, { count }) => sum + count, 0);
  if (own.soft < allCount + 256) throw new Error(`this process's fd limit ${own.soft} is below the ${allCount + 256} its connections need: run with a higher "ulimit -n"`);

  console.log(`\n  [WebSockets: memory and fan-out]`);
  const wsBare = await webSockets('bare');
  const wsProject = await webSockets('project');
  const perConn = (m: MemoryGrowth) => kib(m.perConnection);
  row(`RSS per WebSocket (${COUNT.websockets})`, perConn(wsBare.memory), perConn(wsProject.memory), ratio(wsProject.memory.perConnection, wsBare.memory.perConnection), `≤ ${WS_RSS_RATIO_MAX}× bare ws`, wsProject.memory.perConnection <= WS_RSS_RATIO_MAX * wsBare.memory.perConnection);
  for (const { name, count } of HELD) {
    console.log(`\n  [held ${name}: memory]  (${elapsed()})`);
    const bare = await heldRequests('bare', name, count);
    const project = await heldRequests('project', name, count);
    const max = transportSpec(name).kind === 'poll' ? LONG_POLL_RSS_MAX : STREAM_RSS_MAX;
    row(`RSS per held ${name} (${count})`, perConn(bare), perConn(project), ratio(project.perConnection, bare.perConnection), `≤ ${kib(max)}`, project.perConnection <= max);
  }
  console.log(`\n  [all at once: memory]  (${elapsed()})`);
  const allBare = await allAtOnce('bare');
  const allProject = await allAtOnce('project');
  // The measured total, scaled to the full counts under --quick (say so).
  const scaled = (m: MemoryGrowth) => m.total * SCALE;
  row(
    `all ${FULL_ALL} connections at once${QUICK ? ' (×10 from --quick)' : ''}`,
    mb(scaled(allBare)),
    mb(scaled(allProject)),
    ratio(allProject.total, allBare.total),
    `≤ ${mb(ALL_CONNECTIONS_MAX)}`,
    scaled(allProject) <= ALL_CONNECTIONS_MAX,
  );
  console.log(`\n  [short poll: throughput]  (${elapsed()})`);
  const spBare = await shortPolls('bare');
  const spProject = await shortPolls('project');

  row(`fan-out p50 to ${COUNT.websockets} WebSockets`, msText(wsBare.fanout.p50), msText(wsProject.fanout.p50), ratio(wsProject.fanout.p50, wsBare.fanout.p50), '(no goal)', true);
  row(`fan-out p99 to ${COUNT.websockets} WebSockets`, msText(wsBare.fanout.p99), msText(wsProject.fanout.p99), ratio(wsProject.fanout.p99, wsBare.fanout.p99), `≤ ${FANOUT_P99_RATIO_MAX}× bare ws`, wsProject.fanout.p99 <= FANOUT_P99_RATIO_MAX * wsBare.fanout.p99);
  const spOk = spProject.statuses.get(200) === [...spProject.statuses.values()].reduce((a, b) => a + b, 0) && spProject.errors === 0;
  // The issue sets no goal for this figure: the bench's own proposal is printed beside it, and
  // only a reply that is not 200 (or a broken connection) fails it.
  row(
    `short-poll replies/s (${SHORT_POLL_CONNECTIONS} conns)`,
    String(Math.round(spBare.rps)),
    String(Math.round(spProject.rps)),
    ratio(spProject.rps, spBare.rps),
    `(no goal; proposed ≥ ${SHORT_POLL_RATIO_MIN}×: ${spProject.rps >= SHORT_POLL_RATIO_MIN * spBare.rps ? 'met' : 'not met'})`,
    spOk,
  );
  console.log('');
  console.table(goals.rows);
  console.log(
    `  RSS per connection = (RSS after opening N and a full GC − RSS before) / N, in the server's own process, read 1 s after the GC, both without V8's young generation (empty after the GC).\n` +
      `  "all at once": every phase's connections open together on one fresh server, RSS growth measured the same way.\n` +
      `  Fan-out delay: client receive time − the event's "at" (same clock), over ${FANOUT_ROUNDS} events × ${COUNT.websockets} sockets; the client is one process, so its own\n` +
      `  parsing of the ${COUNT.websockets} messages is in both figures alike (on 2 cores the load generator shares the machine with the server: a contended figure).\n` +
      `  Short polling has no goal in the issue; ≥ ${SHORT_POLL_RATIO_MIN}× bare node:http is this bench's proposal, printed, not enforced: every request\n` +
      `  also passes the edge (rate limit, pipelining gate), the byte tap, Hono's routing and the query's validation.`,
  );
}

await runBench('capacity', main, goals, elapsed);
