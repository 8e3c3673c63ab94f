// Hostile clients against the real server, each attack on a fresh server in a child process
// (bench/support/hostile-server.ts) so one attack's leftovers do not skew the next. For each
// attack: the server's memory (RSS from /proc at its peak and after; heap and external memory
// still reachable after a full GC), its open descriptors before, at the peak and after, the
// worst /api/health answer time during the attack (asked from a thread of its own) next to the
// longest the server's event loop was blocked, and the time to recover: from the moment the
// attacker's sockets are gone until /api/health answers 200 and the descriptors are back to the
// baseline. Every attack is bounded in count and time and aims at 127.0.0.1 only. One address
// plays many clients here, so the attacks that need many connections run with the fair-use
// limits raised (printed with each); the ping and chat floods run with the defaults and must be
// cut (1008). Exits 1 when any goal is missed. Figures, not tests: tests/hostile/ asserts
// behaviour without timing.
// HOSTILE_ATTACKS=c,e runs only those attacks.
import WebSocket from 'ws';
import { CLOSE_CODES } from '../src/protocol/errors.ts';
import { getRequest, pool, postJson, RawClient, webSocketRequest } from './support/hostile-clients.ts';
import type { ServerFigures } from './support/hostile-server.ts';
import { fdLimits, FDS_NEEDED, health, probeHealth, sleep, Target } from './support/hostile-target.ts';

const MiB = 1024 * 1024;
/** Goals every attack is held to. */
const RSS_GROWTH_MAX_MB = 150;
/** Heap + external memory still reachable after the attack and a full GC. */
const HELD_MAX_MB = 16;
const HEALTH_MAX_MS = 1000;
const RECOVERY_MAX_MS = 2000;

/** One address plays many clients: the fair-use limits that would refuse it are raised. */
const MANY_CLIENTS = {
  SOCKETS_PER_ADDRESS: '100000',
  STREAMS_PER_ADDRESS: '100000',
  REQUESTS_PER_SECOND_PER_ADDRESS: '100000',
  WS_MESSAGES_PER_SECOND_PER_ADDRESS: '100000',
};
/** The defaults (server/config.ts) the floods must run into. */
const WS_MESSAGES_PER_SECOND = 200;
const WS_PINGS_PER_SECOND = 20;
const RATE_WINDOW_S = 10;

/** The race channel of attacks (c) and (d): 64 KiB events every 20 ms for 20 s. */
const HEAVY_CHANNEL = { intervalMs: 20, payloadBytes: 65_536, durationMs: 20_000 };

interface Goal {
  label: string;
  ok: boolean;
}
const goal = (label: string, ok: boolean): Goal => ({ label, ok });

interface Outcome {
  /** performance.now() when the attacker's sockets were all gone: recovery counts from here. */
  endedAt: number;
  notes: string[];
  goals: Goal[];
}

interface Attack {
  id: string;
  title: string;
  /** For the summary table. */
  short: string;
  settings: Record<string, string>;
  /** Memory the server is meant to keep after this attack, beyond HELD_MAX_MB, and why. */
  allowance?: { mb: number; why: string };
  /** More checks on the peak heap+external memory while the attack ran (beyond the baseline). */
  duringChecks?: (peakMemoryBytes: number) => Goal[];
  /** Runs once the server has recovered, before the final measurement; returns more checks. */
  afterwards?: (target: Target, before: ServerFigures) => Promise<Goal[]>;
  /** Before the baseline: what the attack needs that is not the attack itself (a channel). */
  prepare?: (target: Target) => Promise<string>;
  run: (target: Target, channel: string | undefined) => Promise<Outcome>;
}

const mb = (bytes: number) => (bytes / MiB).toFixed(1);
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
const ms = (value: number) => `${Math.round(value)} ms`;
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A private channel like the race's, with its buffer already full (so the baseline holds it). */
async function heavyChannel(target: Target): Promise<string> {
  const { status, json } = await postJson(target.url, '/api/channels', HEAVY_CHANNEL);
  if (status !== 201) throw new Error(`POST /api/channels answered ${status}: ${JSON.stringify(json)}`);
  // BUFFER_MAX_BYTES (8 MiB) of 64 KiB events is ~128 of them: 2.6 s at one per 20 ms.
  await sleep(3000);
  return (json as { channel: string }).channel;
}

/**
 * Samples the server while an attack runs: peak RSS and descriptors from /proc, peak heap and
 * external memory over IPC, and /api/health answer times from a thread of their own.
 */
function watch(target: Target) {
  const seen = { rss: 0, fds: 0, memory: 0 };
  const sample = () => {
    if (target.exitCode !== undefined) return;
    seen.rss = Math.max(seen.rss, target.rss());
    seen.fds = Math.max(seen.fds, target.fds());
  };
  const sampler = setInterval(sample, 50);
  const memorySampler = setInterval(() => {
    target.measure({}, 2000).then(
      (figures) => (seen.memory = Math.max(seen.memory, figures.heapUsedBytes + figures.externalBytes)),
      () => {},
    );
  }, 200);
  const healthProbe = probeHealth(target.url, 200, 2 * HEALTH_MAX_MS);
  return async () => {
    clearInterval(sampler);
    clearInterval(memorySampler);
    sample();
    // At least one look, for an attack shorter than the sampling interval.
    await target.measure({}, 2000).then(
      (figures) => (seen.memory = Math.max(seen.memory, figures.heapUsedBytes + figures.externalBytes)),
      () => {},
    );
    const health = await healthProbe.stop();
    return { ...seen, healthChecks: health.checks, healthWorstMs: health.worstMs, healthFailures: health.failures };
  };
}

interface Row {
  attack: string;
  'rss peak Δ MB': string;
  'rss after Δ MB': string;
  'heap+ext held MB': string;
  'fds before/peak/after': string;
  'health worst ms': number | string;
  'recovery ms': number | string;
  ok: boolean;
}

async function runAttack(attack: Attack): Promise<Row> {
  console.log(`\n(${attack.id}) ${attack.title}`);
  try {
    return await attackOnce(attack);
  } catch (error) {
    console.log(`    ✗ MISSED: the attack could not run: ${(error as Error).stack ?? String(error)}`);
    const none = '-';
    return { attack: `(${attack.id}) ${attack.short}`, 'rss peak Δ MB': none, 'rss after Δ MB': none, 'heap+ext held MB': none, 'fds before/peak/after': none, 'health worst ms': none, 'recovery ms': none, ok: false };
  }
}

async function attackOnce(attack: Attack): Promise<Row> {
  const raised = Object.entries(attack.settings).map(([name, value]) => `${name}=${value}`);
  const target = await Target.start(attack.settings);
  console.log(`    server: Node ${target.node}, pid ${target.pid}, ${target.fdNote}`);
  console.log(`    settings: ${raised.length ? raised.join(' ') : 'defaults (fair-use limits as shipped)'}`);
  try {
    await health(target.url); // warm-up: the first request compiles the handlers
    const channel = await attack.prepare?.(target);
    const fdsBefore = await target.settledFds();
    const before = await target.measure({ gc: true, channel });
    const rssBefore = target.rss();
    const healthBefore = await health(target.url);
    await target.measure({ resetLoopDelay: true });

    const stopWatching = watch(target);
    const outcome = await attack.run(target, channel).catch((error: Error) => ({
      endedAt: performance.now(),
      notes: [`the attack itself failed: ${error.stack ?? error.message}`],
      goals: [goal('the attack ran to its end', false)],
    }));
    // Recovery is timed from the attack's end, while the watch winds down beside it.
    const [seen, recoveryMs] = await Promise.all([stopWatching(), target.recovery(fdsBefore, outcome.endedAt)]);
    const { loopDelayMaxMs } = await target.measure({ resetLoopDelay: true });
    const afterChecks = (await attack.afterwards?.(target, before)) ?? [];
    const fdsAfter = await target.settledFds(200, 2000);
    const after = await target.measure({ gc: true, channel });
    const rssAfter = target.rss();

    const held = after.heapUsedBytes + after.externalBytes - (before.heapUsedBytes + before.externalBytes);
    const peakMemory = seen.memory - before.heapUsedBytes - before.externalBytes;
    const heldMax = HELD_MAX_MB + (attack.allowance?.mb ?? 0);
    const leftovers = { socketsHeld: after.socketsHeld, streamsHeld: after.streamsHeld, tickerSubscribers: after.tickerSubscribers, channelSubscribers: after.channelSubscribers };
    const goals = [
      ...outcome.goals,
      goal(`RSS growth at peak ${mb(seen.rss - rssBefore)} MB < ${RSS_GROWTH_MAX_MB} MB`, seen.rss - rssBefore < RSS_GROWTH_MAX_MB * MiB),
      ...(attack.duringChecks?.(peakMemory) ?? []),
      ...afterChecks,
      goal(
        `heap+external held after GC ${mb(held)} MB < ${heldMax} MB${attack.allowance ? ` (${HELD_MAX_MB} + ${attack.allowance.mb}: ${attack.allowance.why})` : ''}`,
        held < heldMax * MiB,
      ),
      goal(
        `/api/health answered within ${HEALTH_MAX_MS} ms throughout (worst ${ms(seen.healthWorstMs)} of ${seen.healthChecks}, ${seen.healthFailures} failed)`,
        seen.healthWorstMs < HEALTH_MAX_MS && seen.healthFailures === 0 && seen.healthChecks > 0,
      ),
      goal(
        `recovered (health 200, descriptors ≤ ${fdsBefore}) within ${RECOVERY_MAX_MS} ms: ${recoveryMs === null ? 'not within 10 s' : ms(recoveryMs)}`,
        recoveryMs !== null && recoveryMs < RECOVERY_MAX_MS,
      ),
      goal(`nothing left held (${Object.entries(leftovers).map(([k, v]) => `${k} ${v}`).join(', ')})`, Object.values(leftovers).every((v) => v === 0)),
      goal(`server alive, no bug reported${target.bugs.length ? `: ${target.bugs[0]}` : ''}`, target.exitCode === undefined && target.bugs.length === 0),
      goal(`nothing on the server's stderr (${target.log.length} lines)`, target.log.length === 0),
    ];

    for (const note of outcome.notes) console.log(`    ${note}`);
    console.log(
      `    memory: RSS ${mb(rssBefore)} MB before, peak ${signedMb(seen.rss - rssBefore)}, after ${signedMb(rssAfter - rssBefore)}; ` +
        `after GC heap ${signedMb(after.heapUsedBytes - before.heapUsedBytes)}, external ${signedMb(after.externalBytes - before.externalBytes)} ` +
        `(peak heap+external during ${signedMb(peakMemory)})`,
    );
    console.log(`    descriptors: ${fdsBefore} before, ${seen.fds} at peak, ${fdsAfter} after`);
    console.log(
      `    health: ${ms(healthBefore.ms)} before, worst ${ms(seen.healthWorstMs)} during (the server's event loop was blocked up to ${ms(loopDelayMaxMs)}); ` +
        `recovery ${recoveryMs === null ? '> 10 s' : ms(recoveryMs)}`,
    );
    if (target.log.length) {
      console.log(`    server stderr (${target.log.length} lines):`);
      for (const line of target.log.slice(0, 5)) console.log(`      ${line.slice(0, 200)}`);
    }
    for (const { label, ok } of goals) console.log(`    ${ok ? '✓' : '✗ MISSED:'} ${label}`);
    return {
      attack: `(${attack.id}) ${attack.short}`,
      'rss peak Δ MB': mb(seen.rss - rssBefore),
      'rss after Δ MB': mb(rssAfter - rssBefore),
      'heap+ext held MB': mb(held),
      'fds before/peak/after': `${fdsBefore}/${seen.fds}/${fdsAfter}`,
      'health worst ms': Math.round(seen.healthWorstMs),
      'recovery ms': recoveryMs === null ? '> 10000' : Math.round(recoveryMs),
      ok: goals.every((g) => g.ok),
    };
  } finally {
    await target.stop();
  }
}

// ---------------------------------------------------------------------------------------------

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

/** Floods `ws` with `send` as fast as its socket takes it, for `limitMs` or until closed. */
async function flood(ws: WebSocket, send: () => void, limitMs: number): Promise<{ sent: number; code: number | null; cutMs: number | null }> {
  const started = performance.now();
  let code: number | null = null;
  let cutMs: number | null = null;
  ws.once('close', (closeCode) => ((code = closeCode), (cutMs = performance.now() - started)));
  let sent = 0;
  while (ws.readyState === WebSocket.OPEN && performance.now() - started < limitMs) {
    for (let i = 0; i < 100 && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MiB; i++, sent++) send();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A close the server sent may still be on its way.
  const deadline = performance.now() + 1000;
  while (code === null && performance.now() < deadline) await sleep(10);
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  return { sent, code, cutMs };
}

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

const pingFlood: Attack = {
  id: 'f1',
  title: 'ping flood (2 s, default limits)',
  short: 'ping flood',
  settings: {},
  async run(target) {
    const ws = await open(`ws://127.0.0.1:${target.port}/ws/echo`);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    const result = await flood(ws, () => ws.ping(), 2000);
    const allowance = WS_PINGS_PER_SECOND * RATE_WINDOW_S;
    return {
      endedAt: performance.now(),
      notes: [`${result.sent} pings sent on /ws/echo; ${pongs} answered; closed with ${result.code ?? 'nothing'}${result.cutMs === null ? '' : ` after ${ms(result.cutMs)}`}`],
      goals: [
        goal(`cut with ${CLOSE_CODES.policyViolation} within 2 s (got ${result.code ?? 'no close'})`, result.code === CLOSE_CODES.policyViolation),
        goal(`pongs answered ≤ the address's allowance ${allowance} (${WS_PINGS_PER_SECOND}/s over ${RATE_WINDOW_S} s): ${pongs}`, pongs <= allowance),
      ],
    };
  },
};

const chatFlood: Attack = {
  id: 'f2',
  title: 'chat flood (2 s, default limits)',
  short: 'chat flood',
  settings: {},
  async run(target) {
    const room = `ws://127.0.0.1:${target.port}/ws/chat?room=flood`;
    const bystander = await open(`${room}&name=bystander`);
    const flooder = await open(`${room}&name=flooder`);
    let seenByBystander = 0;
    let leaveSeen = false;
    bystander.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; name?: string };
      if (message.type === 'chat') seenByBystander++;
      if (message.type === 'leave' && message.name === 'flooder') leaveSeen = true;
    });
    let echoed = 0;
    flooder.on('message', (data) => String(data).startsWith('{"type":"chat"') && echoed++);
    const line = 'flood '.repeat(16);
    const result = await flood(flooder, () => flooder.send(line), 2000);
    await sleep(200);
    const bystanderOpen = bystander.readyState === WebSocket.OPEN;
    bystander.close();
    await new Promise((resolve) => (bystander.readyState === WebSocket.CLOSED ? resolve(null) : bystander.once('close', resolve)));
    const allowance = WS_MESSAGES_PER_SECOND * RATE_WINDOW_S;
    return {
      endedAt: performance.now(),
      notes: [
        `${result.sent} chat lines sent; closed with ${result.code ?? 'nothing'}${result.cutMs === null ? '' : ` after ${ms(result.cutMs)}`}; ` +
          `${echoed} came back to the flooder, ${seenByBystander} reached the bystander, who ${bystanderOpen ? 'stayed connected' : 'was disconnected'}${leaveSeen ? ' and saw the flooder leave' : ''}`,
      ],
      goals: [
        goal(`cut with ${CLOSE_CODES.policyViolation} within 2 s (got ${result.code ?? 'no close'})`, result.code === CLOSE_CODES.policyViolation),
        goal(`lines broadcast ≤ the address's allowance ${allowance} (${WS_MESSAGES_PER_SECOND}/s over ${RATE_WINDOW_S} s): ${seenByBystander}`, seenByBystander <= allowance),
        goal('the bystander stayed connected and saw the flooder leave', bystanderOpen && leaveSeen),
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------

const limits = fdLimits();
console.log(
  `Hostile clients against a fresh server per attack, loopback only. Goals: RSS growth < ${RSS_GROWTH_MAX_MB} MB, ` +
    `heap+external held after GC < ${HELD_MAX_MB} MB (plus stated allowances), health < ${HEALTH_MAX_MS} ms, recovery < ${RECOVERY_MAX_MS} ms.`,
);
console.log(
  `Attacks (a)–(e) raise the fair-use limits, since one address (127.0.0.1) plays every client: ` +
    `${Object.entries(MANY_CLIENTS).map(([k, v]) => `${k}=${v}`).join(' ')}. The floods (f1, f2) keep the defaults.`,
);
if (limits.soft < FDS_NEEDED / 4) console.log(`warning: this process may open only ${limits.soft} descriptors; the attacks need ~${FDS_NEEDED / 4}.`);

const started = performance.now();
const rows: Row[] = [];
// HOSTILE_ATTACKS=c,e runs only those (while working on one).
const only = process.env.HOSTILE_ATTACKS?.split(',').filter(Boolean);
for (const attack of [sseCycles, h2cUpgrades, stalledFeedReaders, stalledPollers, inspectCrowd, pingFlood, chatFlood]) {
  if (!only || only.includes(attack.id)) rows.push(await runAttack(attack));
}
console.log('');
console.table(rows);
const failing = rows.filter((row) => !row.ok);
if (failing.length) {
  console.error(`hostile: goals missed in ${failing.map((row) => row.attack.split(' ')[0]).join(', ')} (${seconds(started)})`);
  process.exitCode = 1;
} else console.log(`hostile: ok, every attack within its goals (${seconds(started)})`);
