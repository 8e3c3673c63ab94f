// A server for the benchmarks, in a process of its own so the load generator doesn't share its
// event loop: `node --import tsx bench/support/serve.ts tapped|untapped` prints its URL.
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';

const tapSockets = process.argv[2] !== 'untapped';
// One address plays every client here: the fair-use limits are raised so they measure the
// server, not its limits (README "Limits and fair use").
const unlimited = { requestsPerSecondPerAddress: 1_000_000, wsMessagesPerSecondPerAddress: 1_000_000, streamsPerAddress: 1_000_000, socketsPerAddress: 1_000_000 };
const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 1000, staticDir: 'dist', ...unlimited }), { tapSockets });
console.log(server.url);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
