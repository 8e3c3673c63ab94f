// The project server in bench/capacity.ts: startServer(loadConfig(…)) as shipped (socket tap
// and all), in a process of its own: `node --expose-gc --import tsx bench/support/capacity-project.ts`,
// spawned with an IPC channel (bench/support/capacity-ipc.ts). Settings come from the environment
// (README "Settings"): the bench raises the fair-use limits and slows the ticker to one event an
// hour, so the feed is idle while connections are counted and publishes only when asked.
import { TRANSPORTS, transportSpec } from '../../src/protocol/transports.ts';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';
import { quote, type FromCapacityServer, type ToCapacityServer } from './capacity-ipc.ts';
import { memoryFigures } from './child-memory.ts';

const send = (message: FromCapacityServer) => process.send?.(message);
const server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', staticDir: 'dist' }, process.env));
const ticker = server.feed.get('ticker')!;
let n = 0;

process.on('unhandledRejection', (reason) => console.error('BUG: unhandled rejection:', reason));
process.on('message', async (message: ToCapacityServer) => {
  if (message.type === 'publish') {
    const event = ticker.publish(quote(++n));
    return send({ type: 'published', id: message.id, seq: event.seq, at: event.at });
  }
  const memory = await memoryFigures(message.gc);
  const stats = server.ledger.stats(null).transports;
  const byPath = Object.fromEntries(TRANSPORTS.map((name) => [transportSpec(name).path, stats[name].openConnections]));
  const all = TRANSPORTS.reduce((sum, name) => sum + stats[name].openConnections, 0);
  send({ type: 'measure', id: message.id, figures: { ...memory, held: { byPath, all } } });
});
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ type: 'ready', url: server.url, node: process.version });
