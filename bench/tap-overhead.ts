// What the byte ledger costs: the same server with and without the socket tap, in the same
// run, on short-poll requests and WebSocket echo messages. Reports throughput ratios; fails
// when the tapped server keeps less than MIN_RATIO of the untapped one's throughput.
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

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
  const done = new Promise<void>((resolve, reject) => {
    ws.on('message', () => ++received === MESSAGES && resolve());
    // A socket the server closed must fail the bench loudly, not leave it waiting for nothing.
    ws.once('close', (code) => received < MESSAGES && reject(new Error(`echo socket closed with ${code} after ${received} of ${MESSAGES} messages`)));
  });
  for (let i = 0; i < MESSAGES; i++) ws.send(`message ${i}`);
  await done;
  ws.close();
  return MESSAGES / ((performance.now() - started) / 1000);
}

/** Starts the server in its own process (bench/support/serve.ts) and measures it from this one. */
async function measure(tapSockets: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/serve.ts', tapSockets ? 'tapped' : 'untapped'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    await pollThroughput(url); // warm-up
    await echoThroughput(url);
    return { polls: await pollThroughput(url), echoes: await echoThroughput(url) };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

// Alternate the two servers over several rounds and keep each side's median, so warm-up and
// whatever else the machine is doing fall on both sides alike.
const ROUNDS = 3;
const samples: Record<'baseline' | 'tapped', Awaited<ReturnType<typeof measure>>[]> = { baseline: [], tapped: [] };
for (let round = 0; round < ROUNDS; round++) {
  samples.baseline.push(await measure(false));
  samples.tapped.push(await measure(true));
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = (runs: Awaited<ReturnType<typeof measure>>[]) => ({
  polls: median(runs.map((r) => r.polls)),
  echoes: median(runs.map((r) => r.echoes)),
});
const baseline = summary(samples.baseline);
const tapped = summary(samples.tapped);
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
