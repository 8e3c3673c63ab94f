// A server for the benchmarks, in a process of its own so the load generator doesn't share its
// event loop: `node --import tsx bench/support/serve.ts tapped|untapped` prints its URL.
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';

const tapSockets = process.argv[2] !== 'untapped';
const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 1000, staticDir: 'dist' }), { tapSockets });
console.log(server.url);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
