// The attacker's side of bench/hostile.ts: starts the server (bench/support/hostile-server.ts)
// in a child process and watches it from outside. Descriptors and RSS come from /proc/<pid>,
// which answers even while the server's event loop is busy; heap figures and what the server
// holds come over IPC. Health is asked the way a load balancer would, on a fresh connection
// that closes (a pooled keep-alive socket would itself hold a server descriptor).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { configSchema } from '../../server/config.ts';
import type { FromServer, ServerFigures, ToServer } from './hostile-server.ts';

/** Descriptors the attacks hold at once at most (400 inspect sockets) with room to spare. */
export const FDS_NEEDED = 4096;
/** What the child's soft limit is raised to when it is below FDS_NEEDED. */
export const FDS_RAISED = 65_536;

/** The soft and hard "Max open files" of a process, from /proc/<pid>/limits. */
export function fdLimits(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? NaN, hard: hard ?? NaN };
}

/** Every setting's environment variable (README "Settings": the camelCase key in SCREAMING_SNAKE). */
const SETTING_NAMES = Object.keys(configSchema.shape).map((key) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase());

export interface Health {
  status: number;
  ms: number;
  body?: { connections?: { tcp: number; websockets: number } };
}

/** GET /api/health on a connection of its own that closes; status 0 when it did not answer in time. */
export function health(url: string, timeoutMs = 2000): Promise<Health> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, body?: Health['body']) => resolve({ status, ms: performance.now() - started, body });
    const req = request(`${url}/api/health`, { agent: false, headers: { Connection: 'close' }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: Health['body'];
        try {
          body = JSON.parse(text) as Health['body'];
        } catch {}
        // Resolve once the socket is closed, so the server's side of it is gone too.
        if (res.socket.destroyed) done(res.statusCode ?? 0, body);
        else res.socket.once('close', () => done(res.statusCode ?? 0, body));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0));
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HealthFigures {
  checks: number;
  worstMs: number;
  failures: number;
}

/**
 * Asks /api/health every `intervalMs` from a worker thread until stopped: an event loop of its
 * own, so the answer times are the server's and not the delays of the attacker's busy loop.
 */
export function probeHealth(url: string, intervalMs: number, timeoutMs: number): { stop(): Promise<HealthFigures> } {
  const worker = new Worker(
    `
    const { parentPort, workerData: { url, intervalMs, timeoutMs } } = require('node:worker_threads');
    const { request } = require('node:http');
    const figures = { checks: 0, worstMs: 0, failures: 0 };
    let running = true;
    parentPort.on('message', () => { running = false; });
    const ask = () => new Promise((resolve) => {
      const started = performance.now();
      const done = (ok) => resolve({ ok, ms: performance.now() - started });
      const req = request(url + '/api/health', { agent: false, headers: { Connection: 'close' }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
      req.end();
    });
    (async () => {
      while (running) {
        const answer = await ask();
        figures.checks++;
        figures.worstMs = Math.max(figures.worstMs, answer.ms);
        if (!answer.ok) figures.failures++;
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      parentPort.postMessage(figures);
    })();
    `,
    { eval: true, workerData: { url, intervalMs, timeoutMs } },
  );
  return {
    stop() {
      const figures = new Promise<HealthFigures>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      return figures.finally(() => void worker.terminate());
    },
  };
}

export class Target {
  /** The bugs the server reported (unhandled rejections). */
  readonly bugs: string[] = [];
  exitCode: number | null | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (figures: ServerFigures) => void>();

  private constructor(
    private readonly child: ChildProcess,
    /** Lines the server wrote to stderr. */
    readonly log: string[],
    readonly url: string,
    readonly node: string,
    /** How the descriptor limit was set for the child, for the printout. */
    readonly fdNote: string,
  ) {
    child.on('message', (message: FromServer) => {
      if (message.type === 'measure') this.pending.get(message.id)?.(message.figures);
      if (message.type === 'bug') this.bugs.push(message.message);
    });
    child.on('exit', (code) => (this.exitCode = code));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /**
   * Starts a server with `settings` (environment variables, as README "Settings") and nothing
   * else: any setting in this process's environment is left out, so the figures don't depend on it.
   */
  static async start(settings: Record<string, string>): Promise<Target> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SETTING_NAMES) delete env[name];
    Object.assign(env, settings);
    // HOSTILE_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (not allowed in NODE_OPTIONS).
    const flags = process.env.HOSTILE_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
    const node = [process.execPath, ...flags, '--expose-gc', '--import', 'tsx', 'bench/support/hostile-server.ts'];
    const { soft, hard } = fdLimits();
    let fdNote = `fd limit ${soft} (enough: the attacks need < ${FDS_NEEDED})`;
    let child: ChildProcess;
    const options: SpawnOptions = { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env };
    if (soft < FDS_NEEDED) {
      // Node raises its own soft limit to the hard one at start-up, so a low limit here is a low
      // hard limit: only a privileged shell (root with CAP_SYS_RESOURCE) can lift it.
      const script = `ulimit -n ${FDS_RAISED} 2>/dev/null || ulimit -Sn ${hard}; exec "$0" "$@"`;
      child = spawn('sh', ['-c', script, ...node], options);
      fdNote = `fd soft limit ${soft} is low: raised for the server with "ulimit -n" to `;
    } else {
      child = spawn(node[0]!, node.slice(1), options);
    }
    const log: string[] = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => log.push(...chunk.split('\n').filter(Boolean)));
    const ready = await new Promise<Extract<FromServer, { type: 'ready' }>>((resolve, reject) => {
      child.on('message', (message: FromServer) => message.type === 'ready' && resolve(message));
      child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening:\n${log.join('\n')}`)));
    });
    if (soft < FDS_NEEDED) {
      const now = fdLimits(child.pid!).soft;
      fdNote =
        now >= FDS_RAISED
          ? `fd limit ${soft} is low: raised to ${now} for the server (sh -c "ulimit -n ${FDS_RAISED}; exec node …")`
          : now > soft
            ? `fd limit ${soft} is low: raised to ${now}, the hard limit, for the server (${FDS_RAISED} not permitted)`
            : `fd limit ${soft} is low and could not be raised for the server ("ulimit -n ${FDS_RAISED}" not permitted)`;
      if (now < FDS_NEEDED) fdNote += `; the attacks may need ${FDS_NEEDED}`;
    }
    return new Target(child, log, ready.url, ready.node, fdNote);
  }

  /** Open descriptors of the server process, counted from outside. */
  fds(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  /** Resident set size of the server process, from outside (bytes). */
  rss(): number {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    return Number(kb) * 1024;
  }

  /** The server's own figures; after a full GC when `gc`. Rejects when it does not answer in time. */
  measure({ gc = false, channel, resetLoopDelay }: { gc?: boolean; channel?: string; resetLoopDelay?: boolean } = {}, timeoutMs = 10_000): Promise<ServerFigures> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the server did not answer a measurement within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (figures) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(figures);
      });
      this.child.send({ type: 'measure', id, gc, channel, resetLoopDelay } satisfies ToServer);
    });
  }

  /** Waits until the descriptor count holds still for `quietMs` and returns it. */
  async settledFds(quietMs = 300, limitMs = 5000): Promise<number> {
    const started = performance.now();
    let last = this.fds();
    let since = performance.now();
    while (performance.now() - started < limitMs) {
      await sleep(25);
      const now = this.fds();
      if (now !== last) [last, since] = [now, performance.now()];
      else if (performance.now() - since >= quietMs) break;
    }
    return last;
  }

  /**
   * Time from `since` until /api/health answers 200 and the descriptors are back to `fds`;
   * null when that has not happened within `limitMs`.
   */
  async recovery(fds: number, since: number, limitMs = 10_000): Promise<number | null> {
    while (performance.now() - since < limitMs) {
      const answer = await health(this.url, 1000);
      if (answer.status === 200 && this.fds() <= fds) return performance.now() - since;
      await sleep(10);
    }
    return null;
  }

  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
