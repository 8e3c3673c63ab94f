// The load generator's side of bench/capacity.ts: starts a server child (bare or project) and
// opens many connections to it from the bench process, in batches, loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { configSchema } from '../../server/config.ts';
import type { CapacityFigures, FromCapacityServer, ToCapacityServer } from './capacity-ipc.ts';
import { fdLimits } from './hostile-target.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SETTING_NAMES = Object.keys(configSchema.shape).map((key) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase());
const FDS_RAISED = 65_536;

/** Every child ever started, so the bench can kill them all on the way out, whatever happened. */
export const children = new Set<ChildProcess>();

/**
 * Settings for a project server whose every client is this one load generator (one address):
 * the fair-use limits raised out of the way, and the ticker slowed to one event an hour so the
 * feed is idle unless the bench publishes (a tick would answer every held long poll at once).
 */
export const ONE_ADDRESS_SETTINGS = {
  SOCKETS_PER_ADDRESS: '1000000',
  STREAMS_PER_ADDRESS: '1000000',
  REQUESTS_PER_SECOND_PER_ADDRESS: '1000000',
  TICKER_INTERVAL_MS: '3600000',
};

/**
 * `node --expose-gc --import tsx <script>` with an IPC channel (stdout inherited, stderr piped),
 * tracked in `children`. When this process's fd soft limit is below `fdsNeeded`, the child's is
 * raised to FDS_RAISED through `sh -c "ulimit -n …; exec node …"`.
 */
export function spawnBenchChild(script: string, env: NodeJS.ProcessEnv, fdsNeeded: number): { child: ChildProcess; raised: boolean; soft: number } {
  const node = [process.execPath, '--expose-gc', '--import', 'tsx', script];
  const { soft } = fdLimits();
  const raised = soft < fdsNeeded;
  const child = raised
    ? spawn('sh', ['-c', `ulimit -n ${FDS_RAISED}; exec "$0" "$@"`, ...node], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env })
    : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env });
  children.add(child);
  return { child, raised, soft };
}

export class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, (message: FromCapacityServer) => void>();
  readonly log: string[] = [];
  exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly node: string,
    readonly fdNote: string,
  ) {
    child.on('message', (message: FromCapacityServer) => {
      if ('id' in message) this.pending.get(message.id)?.(message);
    });
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** `script`: bench/support/capacity-bare.ts or capacity-project.ts. `fdsNeeded`: descriptors it will hold. */
  static async start(script: string, settings: Record<string, string>, fdsNeeded: number): Promise<ServerChild> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SETTING_NAMES) delete env[name];
    Object.assign(env, settings);
    const { child, raised: raise, soft } = spawnBenchChild(script, env, fdsNeeded);
    const log: string[] = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => log.push(...chunk.split('\n').filter(Boolean)));
    const ready = await new Promise<Extract<FromCapacityServer, { type: 'ready' }>>((resolve, reject) => {
      child.on('message', (message: FromCapacityServer) => message.type === 'ready' && resolve(message));
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening:\n${log.join('\n')}`)));
    });
    const now = fdLimits(child.pid!).soft;
    const fdNote = raise
      ? `fd soft limit ${soft} < ${fdsNeeded} needed: raised to ${now} for the server (sh -c "ulimit -n ${FDS_RAISED}; exec node …")`
      : `fd limit ${now} (enough for ${fdsNeeded}; not raised)`;
    const server = new ServerChild(child, ready.url, ready.node, fdNote);
    server.log.push(...log);
    child.stderr!.on('data', (chunk: string) => server.log.push(...chunk.split('\n').filter(Boolean)));
    child.once('exit', () => (server.exited = true));
    return server;
  }

  private ask<T extends FromCapacityServer>(message: { type: ToCapacityServer['type']; gc?: boolean }, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the server did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(answer as T);
      });
      this.child.send({ ...message, id } as ToCapacityServer);
    });
  }

  async measure(gc = true): Promise<CapacityFigures> {
    return (await this.ask<Extract<FromCapacityServer, { type: 'measure' }>>({ type: 'measure', gc })).figures;
  }

  async publish(): Promise<{ seq: number; at: number }> {
    return this.ask<Extract<FromCapacityServer, { type: 'published' }>>({ type: 'publish' });
  }

  /** Waits until `check` holds on the server's figures (no GC), up to `limitMs`. */
  async waitFor(check: (figures: CapacityFigures) => boolean, limitMs = 30_000): Promise<CapacityFigures> {
    const started = performance.now();
    for (;;) {
      const figures = await this.measure(false);
      if (check(figures)) return figures;
      if (performance.now() - started > limitMs) throw new Error(`server never reached the expected state: ${JSON.stringify(figures.held)}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
    children.delete(this.child);
  }
}

/**
 * The figures a bench prints beside a baseline, each with its ratio, its goal and whether it met
 * it; `baseline` and `measured` name the two columns (capacity: a bare server against the project).
 */
export class GoalRows {
  readonly rows: Array<Record<string, string>> = [];
  missed = 0;

  constructor(
    private readonly baseline = 'bare',
    private readonly measured = 'project',
  ) {}

  row(figure: string, baseline: string, measured: string, ratio: number, goal: string, ok: boolean): void {
    this.rows.push({ figure, [this.baseline]: baseline, [this.measured]: measured, ratio: Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-', goal, ok: ok ? '✓' : '✗ MISSED' });
    if (!ok) this.missed++;
  }
}

/**
 * Runs a bench's `main` with its children killed on every exit (normal, error, Ctrl+C), then
 * exits non-zero when a goal was missed or the bench could not finish.
 */
export async function runBench(name: string, main: () => Promise<void>, goals: GoalRows, elapsed: () => string): Promise<never> {
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  try {
    await main();
    if (goals.missed) {
      console.error(`${name}: ${goals.missed} goal(s) missed (${elapsed()})`);
      process.exitCode = 1;
    } else console.log(`${name}: ok, every goal met (${elapsed()})`);
  } catch (error) {
    console.error(`${name}: could not finish: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
  killAll();
  process.exit();
}

/** The p-th percentile (0..100) of an ascending list; NaN when empty. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** Runs `open(i)` for i in 0..n-1, `batch` at a time; every one must resolve. */
export async function inBatches<T>(n: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const all: T[] = [];
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    all.push(...(await Promise.all(Array.from({ length: size }, (_, k) => open(i + k)))));
  }
  return all;
}

/** Delivery delays of the events the WebSockets receive: client receive time − the event's `at`. */
export class Deliveries {
  private readonly bySeq = new Map<number, number[]>();
  private readonly waiters = new Set<() => void>();

  record(seq: number, delayMs: number) {
    let list = this.bySeq.get(seq);
    if (!list) this.bySeq.set(seq, (list = []));
    list.push(delayMs);
    if (this.waiters.size) for (const wake of [...this.waiters]) wake();
  }

  of(seq: number): number[] {
    return this.bySeq.get(seq) ?? [];
  }

  /** Resolves once `count` sockets got event `seq`, or rejects after `limitMs`. */
  until(seq: number, count: number, limitMs: number): Promise<void> {
    if (this.of(seq).length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.of(seq).length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`only ${this.of(seq).length}/${count} sockets got event ${seq} within ${limitMs} ms`));
      }, limitMs);
      this.waiters.add(check);
    });
  }
}

const wallNow = () => performance.timeOrigin + performance.now();

/** One /ws/feed client, resolved once its `start` message arrived (the server has it subscribed). */
export function openFeedSocket(url: string, deliveries: Deliveries): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/feed?channel=ticker`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('WebSocket: no start message within 20 s')), 20_000);
    ws.on('message', (data) => {
      const receivedAt = wallNow();
      const message = JSON.parse(String(data)) as { type: string; event?: { seq: number; at: number } };
      if (message.type === 'start') {
        clearTimeout(timer);
        resolve(ws);
      } else if (message.type === 'event' && message.event) deliveries.record(message.event.seq, receivedAt - message.event.at);
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * A raw TCP client that sends one GET and keeps the connection open. Resolves once connected
 * and sent (`until` is null) or once what it received matches `until`.
 */
export function openHeldRequest(port: number, path: string, until: RegExp | null): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => reject(new Error(`GET ${path}: not ready within 20 s (got ${JSON.stringify(text.slice(0, 200))})`)), 20_000);
    socket.setEncoding('latin1');
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: string) => {
      if (text.length < 4096) text += chunk;
      if (until && until.test(text)) {
        clearTimeout(timer);
        resolve(socket);
      }
    });
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\n\r\n`);
      if (!until) {
        clearTimeout(timer);
        resolve(socket);
      }
    });
  });
}

/**
 * `connections` keep-alive connections, each sending GET `path` again as soon as the reply
 * before it is complete, for `durationMs`. Returns replies per second and the statuses seen.
 */
export async function requestLoop(port: number, path: string, connections: number, durationMs: number): Promise<{ rps: number; statuses: Map<number, number>; errors: number }> {
  const head = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n\r\n`);
  const statuses = new Map<number, number>();
  let errors = 0;
  let done = 0;
  let running = true;
  const started = performance.now();
  let ended = started;
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      let buffer = '';
      const finish = () => {
        socket.destroy();
        resolve();
      };
      socket.on('error', () => {}); // 'close' follows and counts it
      socket.on('close', () => {
        if (running) errors++;
        resolve();
      });
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const headEnd = buffer.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const headText = buffer.slice(0, headEnd);
          const status = Number(headText.slice(9, 12));
          let end: number;
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
          if (length) {
            end = headEnd + 4 + Number(length[1]);
            if (buffer.length < end) return;
          } else if (/\r\ntransfer-encoding:\s*chunked/i.test(headText)) {
            const last = buffer.indexOf('\r\n0\r\n\r\n', headEnd);
            if (last < 0) return;
            end = last + 7;
          } else {
            errors++;
            return finish();
          }
          buffer = buffer.slice(end);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          done++;
          if (!running) return finish();
          socket.write(head);
        }
      });
      socket.on('connect', () => socket.write(head));
    });
  const all = Array.from({ length: connections }, one);
  await sleep(durationMs);
  running = false;
  ended = performance.now();
  const counted = done;
  await Promise.race([Promise.all(all), sleep(5000)]);
  return { rps: counted / ((ended - started) / 1000), statuses, errors };
}
