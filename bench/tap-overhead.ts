// What the byte ledger costs: the same server with and without the socket tap, in the same
// run, on short-poll requests and WebSocket echo messages. Reports throughput ratios; fails
// when the tapped server keeps less than MIN_RATIO of the untapped one's throughput.
import WebSocket from 'ws';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';

const MIN_RATIO = 0.7;
const REQUESTS = 3000;
const CONCURRENCY = 8;
const MESSAGES = 20_000;

async function pollThroughput(url: string): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await (await fetch(`${url}/api/short-poll?after=0&client=bench`)).arrayBuffer();
    }),
  );
  return REQUESTS / ((performance.now() - started) / 1000);
}

async function echoThroughput(url: string): Promise<number> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/echo`);
  await new Promise((resolve) => ws.once('open', resolve));
  const started = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) => ws.on('message', () => ++received === MESSAGES && resolve()));
  for (let i = 0; i < MESSAGES; i++) ws.send(`message ${i}`);
  await done;
  ws.close();
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function measure(tapSockets: boolean) {
  const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 1000, staticDir: 'dist' }), { tapSockets });
  try {
    await pollThroughput(server.url); // warm-up
    await echoThroughput(server.url);
    return { polls: await pollThroughput(server.url), echoes: await echoThroughput(server.url) };
  } finally {
    await server.close();
  }
}

const baseline = await measure(false);
const tapped = await measure(true);
const rows = (['polls', 'echoes'] as const).map((kind) => ({
  kind,
  baselinePerSecond: Math.round(baseline[kind]),
  tappedPerSecond: Math.round(tapped[kind]),
  ratio: Number((tapped[kind] / baseline[kind]).toFixed(3)),
}));
console.table(rows);
const failing = rows.filter((row) => row.ratio < MIN_RATIO);
if (failing.length) {
  console.error(`tap overhead: ${failing.map((r) => r.kind).join(', ')} below ${MIN_RATIO} of baseline`);
  process.exitCode = 1;
} else console.log(`tap overhead: ok (every ratio ≥ ${MIN_RATIO})`);
