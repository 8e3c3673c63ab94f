// The child processes of a local cluster: redis-server, instances of server/main.ts and nginx
// with deploy/nginx.conf, each on a free port with its own temp folder. Shared by
// `npm run cluster` (scripts/cluster.mjs) and the tests (tests/helpers/services.ts).
// Every child started here is killed, and every temp folder removed, when this process exits.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNginxConfig } from './nginx-config.mjs';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN || '/usr/bin/redis-server';
export const NGINX = process.env.NGINX_BIN || '/usr/sbin/nginx';

/**
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} Exit
 * @typedef {object} Service  one running child process
 * @property {string} name
 * @property {number} pid
 * @property {Promise<Exit>} exited  resolves when the process ends (it never rejects)
 * @property {() => boolean} alive
 * @property {() => string} output  the last 64 KiB it wrote to stdout and stderr
 * @property {(signal?: NodeJS.Signals) => Promise<Exit>} signal  sends a signal (default SIGTERM), resolves when it has exited
 */

/** @type {Set<{ kill: () => void }>} what the exit hook kills */
const running = new Set();
/** @type {Set<string>} temp folders the exit hook removes */
const tempDirs = new Set();

process.on('exit', () => {
  for (const entry of running) entry.kill();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new temp folder, removed when this process exits (or by `removeTempDir`). */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Ports handed out recently: two calls in a row never return the same port. */
const handedOut = new Set();

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something accepts TCP connections on host:port. */
export function accepts(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** True when a Redis server on host:port answers PING (raw RESP over TCP). */
export function answersPing(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let reply = '';
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) (socket.destroy(), resolve(reply.startsWith('+PONG')));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Spawns a child and tracks it. `exitSignal` is what the exit hook sends: SIGKILL for
 * processes without children of their own, SIGTERM for nginx, whose master must take its
 * workers down with it.
 * @param {{ name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string, exitSignal?: NodeJS.Signals, onOutput?: (text: string) => void }} options
 * @returns {Service}
 */
export function spawnService({ name, command, args, env = process.env, cwd = ROOT, exitSignal = 'SIGKILL', onOutput }) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => {
    const text = String(chunk);
    output = (output + text).slice(-64 * 1024);
    onOutput?.(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let alive = true;
  const entry = { kill: () => alive && child.kill(exitSignal) };
  running.add(entry);
  /** @type {Promise<Exit>} */
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      collect(`${name}: ${error.message}\n`);
      alive = false;
      running.delete(entry);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      alive = false;
      running.delete(entry);
      resolve({ code, signal });
    });
  });
  return {
    name,
    pid: child.pid ?? 0,
    exited,
    alive: () => alive,
    output: () => output,
    signal: (signal = 'SIGTERM') => {
      if (alive) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Waits until `ready()` is true; fails early, with the child's output, if it exits first.
 * @param {Service} service
 * @param {() => Promise<boolean>} ready
 */
export async function waitUntilReady(service, ready, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!service.alive()) {
      const exit = await service.exited;
      throw new Error(`${service.name} exited (${exit.signal ?? `code ${exit.code}`}) before ${what}:\n${service.output()}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      await service.signal('SIGKILL');
      throw new Error(`${service.name} did not get to ${what} within ${timeoutMs} ms:\n${service.output()}`);
    }
    await sleep(50);
  }
}

/**
 * @typedef {object} Redis
 * @property {string} url  redis://127.0.0.1:<port>
 * @property {number} port
 * @property {string} dir  its working folder (the append-only file lives there)
 * @property {() => Service} service  the current process
 * @property {() => Promise<void>} stop  SIGTERM, resolves when it has exited
 * @property {() => Promise<void>} kill  SIGKILL, resolves when it has exited
 * @property {() => Promise<void>} restart  stops it if running, starts it again on the same port and folder
 */

/**
 * redis-server on 127.0.0.1 on a free port in a temp folder: no RDB snapshots, no append-only
 * file unless `appendonly`. Resolves once it answers PING.
 * @param {{ appendonly?: boolean, onOutput?: (text: string) => void }} [options]
 * @returns {Promise<Redis>}
 */
export async function startRedis({ appendonly = false, onOutput } = {}) {
  const port = await freePort();
  const dir = makeTempDir('realtime-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', appendonly ? 'yes' : 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  /** @type {Service} */
  let service;
  const launch = async () => {
    service = spawnService({ name: `redis-server :${port}`, command: REDIS_SERVER, args, onOutput });
    await waitUntilReady(service, () => answersPing(port), 'answering PING');
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    service: () => service,
    stop: async () => {
      await service.signal('SIGTERM');
      removeTempDir(dir);
    },
    kill: async () => {
      await service.signal('SIGKILL');
    },
    restart: async () => {
      await service.signal('SIGTERM');
      await launch();
    },
  };
}

/**
 * @typedef {object} Nginx
 * @property {string} url  http://127.0.0.1:<port>
 * @property {number} port
 * @property {string} workDir  the rendered nginx.conf, its pid file, error.log and temp files
 * @property {Service} service
 * @property {() => Promise<void>} stop  fast shutdown (SIGTERM: the master stops its workers), resolves when it has exited
 */

/**
 * nginx running deploy/nginx.conf (rendered by scripts/nginx-config.mjs) in the foreground,
 * as whoever runs this, in front of `upstreamPorts`. Resolves once its port accepts connections.
 * @param {{ upstreamPorts: number[], port?: number, host?: string, onOutput?: (text: string) => void }} options
 * @returns {Promise<Nginx>}
 */
export async function startNginx({ upstreamPorts, port, host = '127.0.0.1', onOutput }) {
  const listenPort = port || (await freePort());
  const workDir = makeTempDir('realtime-nginx-');
  // Run as root, nginx's workers drop to `nobody`: they must be able to reach their temp files.
  chmodSync(workDir, 0o755);
  const configFile = join(workDir, 'nginx.conf');
  writeFileSync(configFile, renderNginxConfig({ listenPort, listenHost: host, upstreamPorts, workDir }));
  const errorLog = join(workDir, 'error.log');
  const service = spawnService({
    name: `nginx :${listenPort}`,
    command: NGINX,
    // -e: the error log before the config is read (the built-in one is not writable without root).
    args: ['-c', configFile, '-p', `${workDir}/`, '-e', errorLog],
    exitSignal: 'SIGTERM',
    onOutput,
  });
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  try {
    await waitUntilReady(service, () => accepts(listenPort, probeHost), `accepting on port ${listenPort}`, 15_000);
  } catch (error) {
    let log = '';
    try {
      log = readFileSync(errorLog, 'utf8');
    } catch {
      // no log written
    }
    throw new Error(`${error instanceof Error ? error.message : error}\nerror.log:\n${log}`);
  }
  return {
    url: `http://${probeHost}:${listenPort}`,
    port: listenPort,
    workDir,
    service,
    stop: async () => {
      await service.signal('SIGTERM');
      removeTempDir(workDir);
    },
  };
}

/**
 * @typedef {object} Instance
 * @property {string} url  http://127.0.0.1:<port>, straight to the instance
 * @property {number} port
 * @property {number} pid
 * @property {Service} service
 * @property {() => Promise<void>} stop  SIGTERM (graceful shutdown), resolves when it has exited
 * @property {() => Promise<void>} kill  SIGKILL, resolves when it has exited
 */

/**
 * One `node --import tsx server/main.ts` on a free port (unless env.PORT names one), with
 * HOST=127.0.0.1 and TRUST_PROXY=true unless `env` says otherwise; `env` is laid over
 * this process's environment. Resolves once /api/health answers 200.
 * @param {{ env?: Record<string, string | undefined>, name?: string, onOutput?: (text: string) => void }} [options]
 * @returns {Promise<Instance>}
 */
export async function startInstance({ env = {}, name, onOutput } = {}) {
  const port = env.PORT && env.PORT !== '0' ? Number(env.PORT) : await freePort();
  const host = env.HOST || '127.0.0.1';
  const service = spawnService({
    name: name ?? `instance :${port}`,
    command: process.execPath,
    args: ['--import', 'tsx', 'server/main.ts'],
    env: { ...process.env, HOST: '127.0.0.1', TRUST_PROXY: 'true', ...env, PORT: String(port) },
    onOutput,
  });
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${probeHost}:${port}`;
  const healthy = async () => {
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  };
  await waitUntilReady(service, healthy, '/api/health answering 200');
  return {
    url,
    port,
    pid: service.pid,
    service,
    stop: async () => {
      await service.signal('SIGTERM');
    },
    kill: async () => {
      await service.signal('SIGKILL');
    },
  };
}
