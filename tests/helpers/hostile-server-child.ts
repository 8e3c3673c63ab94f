// A real server in its own process, for the hostile suite's memory, descriptor and crash
// measurements: started by tests/helpers/hostile-child.ts as
//   node --expose-gc --import tsx tests/helpers/hostile-server-child.ts
// with its config overrides in HOSTILE_CONFIG (JSON). It answers the parent's questions over
// the IPC channel and behaves like server/main.ts otherwise (unhandled rejections are logged,
// not fatal; SIGTERM closes gracefully and exits 0).
import { readdirSync } from 'node:fs';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';

export type ChildRequest =
  | { id: number; cmd: 'measure' }
  | { id: number; cmd: 'subscribers'; channel: string }
  | { id: number; cmd: 'held' }
  | { id: number; cmd: 'close' };

export interface Measure {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** Open file descriptors of the server process (/proc/self/fd). */
  fds: number;
  /** Process warnings seen so far ("name: message"). */
  warnings: string[];
}

const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));
process.on('unhandledRejection', (reason) => console.error('BUG: unhandled rejection:', reason));

const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function measure(): Promise<Measure> {
  // Several passes: weak maps and finalizers release in later cycles.
  for (let i = 0; i < 4; i++) {
    gc?.();
    await settle();
  }
  const memory = process.memoryUsage();
  return {
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    rss: memory.rss,
    fds: readdirSync('/proc/self/fd').length,
    warnings: [...warnings],
  };
}

const overrides = JSON.parse(process.env.HOSTILE_CONFIG ?? '{}') as Record<string, unknown>;
const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 50, staticDir: 'dist', ...overrides }));

process.on('message', (message: ChildRequest) => {
  const reply = (value: unknown) => process.send?.({ id: message.id, value });
  switch (message.cmd) {
    case 'measure':
      return void measure().then(reply);
    case 'subscribers':
      return reply(server.feed.get(message.channel)?.subscriberCount ?? -1);
    case 'held':
      return reply({ streams: server.fairUse.streams.total, sockets: server.fairUse.sockets.total, channels: server.fairUse.channels.total });
    case 'close': {
      const started = performance.now();
      return void server.close().then(() => {
        reply(performance.now() - started);
        setTimeout(() => process.exit(0), 50);
      });
    }
  }
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 4800).unref();
  void server.close().then(() => process.exit(0));
});
// The parent went away (a crashed test run): don't linger.
process.on('disconnect', () => void server.close().then(() => process.exit(0)));

process.send?.({ ready: true, url: server.url, port: server.port });
