import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../server/config.ts';
import type { ChildRequest, Measure } from './hostile-server-child.ts';

export type { Measure } from './hostile-server-child.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE_SCRIPT = fileURLToPath(new URL('./hostile-server-child.ts', import.meta.url));
const MAIN_SCRIPT = fileURLToPath(new URL('../../server/main.ts', import.meta.url));

type Distribute<T> = T extends { cmd: infer C } ? (T extends unknown ? Omit<T, 'id'> & { cmd: C } : never) : never;
type Ask = Distribute<ChildRequest>;

/** A server running in a child process (its memory and descriptors are its own). */
export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the server wrote to stdout/stderr so far. */
  readonly output: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string | null>;
  readonly alive: boolean;
  /** Heap (after forced GC), external, RSS, open descriptors and warnings (probe mode only). */
  measure(): Promise<Measure>;
  /** Subscribers of a channel (probe mode only). */
  subscribers(channel: string): Promise<number>;
  /** Fair-use holdings over every address (probe mode only). */
  held(): Promise<{ streams: number; sockets: number; channels: number }>;
  /** Open descriptors, read from outside through /proc/<pid>/fd (both modes). */
  fds(): number;
  /** Graceful close through the IPC channel (probe) or SIGTERM (main); resolves with ms until the process exited. */
  stop(): Promise<number>;
  /** Kills it outright (cleanup in `finally`). */
  kill(): void;
}

/**
 * Starts a server in a child process. `probe` (default) runs tests/helpers/hostile-server-child.ts
 * with --expose-gc and an IPC channel and takes config overrides; `main` runs server/main.ts, the
 * production entry point, configured through environment variables only.
 */
export async function startChildServer(
  overrides: ConfigInput = {},
  { mode = 'probe', env = {} }: { mode?: 'probe' | 'main'; env?: Record<string, string> } = {},
): Promise<ChildServer> {
  const script = mode === 'probe' ? PROBE_SCRIPT : MAIN_SCRIPT;
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOSTILE_CONFIG: JSON.stringify(overrides), ...env },
    stdio: mode === 'probe' ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let alive = true;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve(code ?? signal);
    }),
  );

  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  let ready: (info: { url: string; port: number }) => void;
  const readyInfo = new Promise<{ url: string; port: number }>((resolve) => (ready = resolve));
  child.on('message', (message: { id?: number; value?: unknown; ready?: boolean; url: string; port: number }) => {
    if (message.ready) return ready(message);
    pending.get(message.id!)?.(message.value);
    pending.delete(message.id!);
  });
  const ask = <T>(request: Ask) =>
    new Promise<T>((resolve, reject) => {
      if (!alive || !child.connected) return reject(new Error(`server process is gone:\n${output}`));
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ ...request, id });
    });

  let info: { url: string; port: number };
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`server process did not start:\n${output}`)), 20_000).unref());
  const died = exited.then((code) => {
    throw new Error(`server process exited (${code}) before it was ready:\n${output}`);
  });
  if (mode === 'probe') info = await Promise.race([readyInfo, deadline, died]);
  else {
    const url = await Promise.race([
      new Promise<string>((resolve) => {
        const check = () => {
          const found = /http:\/\/[\d.]+:(\d+)/.exec(output)?.[0];
          if (found) {
            child.stdout!.off('data', check);
            resolve(found);
          }
        };
        child.stdout!.on('data', check);
        check();
      }),
      deadline,
      died,
    ]);
    info = { url, port: Number(new URL(url).port) };
  }

  return {
    url: info.url,
    port: info.port,
    pid: child.pid!,
    child,
    get output() {
      return output;
    },
    exited,
    get alive() {
      return alive;
    },
    measure: () => ask<Measure>({ cmd: 'measure' }),
    subscribers: (channel) => ask<number>({ cmd: 'subscribers', channel }),
    held: () => ask({ cmd: 'held' }),
    fds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    async stop() {
      if (!alive) return 0;
      const started = performance.now();
      if (mode === 'probe') void ask({ cmd: 'close' }).catch(() => {});
      else child.kill('SIGTERM');
      await exited;
      return performance.now() - started;
    },
    kill() {
      if (alive) child.kill('SIGKILL');
    },
  };
}

/** Heap + external bytes: what a server holds for its clients (strings on the heap, Buffers outside it). */
export const heldBytes = (m: Measure) => m.heapUsed + m.external;
