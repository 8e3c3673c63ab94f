// The server under attack in bench/hostile.ts, in a process of its own so the attacker's event
// loop is not the server's: `node --expose-gc --import tsx bench/support/hostile-server.ts`,
// spawned with an IPC channel. Settings come from the environment, as for `npm start`
// (README "Settings"). Over IPC it reports `{type:"ready", url}` once listening, and answers
// `{type:"measure", id, gc}` with its memory and what it holds (fair-use slots, subscribers),
// after full GCs when `gc` is set, so "held" means reachable, not garbage not yet collected.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { memoryFigures, type MemoryFigures } from './child-memory.ts';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';

export interface ServerFigures extends MemoryFigures {
  /** Fair-use slots held: TCP sockets, streams (WebSockets, SSE, held long polls). */
  socketsHeld: number;
  streamsHeld: number;
  /** Readers subscribed to the ticker / to the channel named in the query. */
  tickerSubscribers: number;
  channelSubscribers: number;
  /** The longest the event loop was blocked since the last `resetLoopDelay` (ms). */
  loopDelayMaxMs: number;
}

export type ToServer = { type: 'measure'; id: number; gc?: boolean; channel?: string; resetLoopDelay?: boolean };
export type FromServer =
  | { type: 'ready'; url: string; node: string }
  | { type: 'measure'; id: number; figures: ServerFigures }
  | { type: 'bug'; message: string };

const send = (message: FromServer) => process.send?.(message);

const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 1000, staticDir: 'dist' }, process.env));

// As server/main.ts does: an unawaited promise that failed is logged, and the server serves on.
// The bench counts these as bugs.
process.on('unhandledRejection', (reason) => {
  console.error('BUG: unhandled rejection:', reason);
  send({ type: 'bug', message: `unhandled rejection: ${String((reason as Error)?.stack ?? reason)}` });
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('message', async (message: ToServer) => {
  if (message.type !== 'measure') return;
  send({
    type: 'measure',
    id: message.id,
    figures: {
      ...(await memoryFigures(message.gc)),
      socketsHeld: server.fairUse.sockets.total,
      streamsHeld: server.fairUse.streams.total,
      tickerSubscribers: server.feed.get('ticker')?.subscriberCount ?? 0,
      channelSubscribers: (message.channel && server.feed.get(message.channel)?.subscriberCount) || 0,
      loopDelayMaxMs: loopDelay.max / 1e6,
    },
  });
  if (message.resetLoopDelay) loopDelay.reset();
});

const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop); // the bench went away: don't outlive it
send({ type: 'ready', url: server.url, node: process.version });
