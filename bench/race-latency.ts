// Event-to-screen latency as the Race island measures it, in headless Chromium against our real
// server on loopback (the built site: `npm run build` first, or STATIC_DIR=<folder>). Targets:
//   · short polling every 1 s, events every 730 ms (not phase-locked to the polls): mean latency
//     within 15% of interval/2 = 500 ms (a full four-transport race, 60 s, 82 events);
//   · SSE and WebSocket: median under 5 ms (the SSE lesson's race: SSE against WebSocket).
// The full race's SSE and long-poll medians are printed too: there the page also handles a
// long-poll reply for every event on the same main thread, which on a busy two-core machine
// costs a few ms; the focused race measures the transports themselves. Exits 1 on a missed target.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';

const staticDir = process.env.STATIC_DIR ?? 'dist';
if (!existsSync(`${staticDir}/en/lessons/09-comparing-and-choosing/index.html`)) {
  console.error(`no built site in ${staticDir}/: run "npm run build" first (or set STATIC_DIR)`);
  process.exit(1);
}

interface Row {
  run: string;
  lane: string;
  events: number;
  p50: number;
  p95: number;
  mean: number;
  target?: { label: string; ok: boolean };
}

/** Runs the race island at `path` with `settings` and reads its table (raw values). */
async function race(page: Page, path: string, settings: Record<string, number>): Promise<Map<string, Omit<Row, 'run' | 'target'>>> {
  const root = '[data-testid="race"]';
  await page.goto(path);
  await page.locator(root).scrollIntoViewIfNeeded();
  await page.locator(`astro-island:not([ssr]) ${root}`).waitFor({ timeout: 30_000 });
  for (const [key, value] of Object.entries(settings)) await page.selectOption(`${root} select[data-setting="${key}"]`, String(value));
  await page.click(`${root} [data-action="start"]`);
  await page.locator(`${root}[data-phase="done"]`).waitFor({ timeout: 180_000 });
  const cells = await page.$$eval(`${root} td[data-lane]`, (tds) =>
    tds.map((td) => [(td as HTMLElement).dataset.lane!, (td as HTMLElement).dataset.field!, Number((td as HTMLElement).dataset.value)] as const),
  );
  const lanes = new Map<string, Omit<Row, 'run' | 'target'>>();
  for (const [lane, field, value] of cells) {
    const row = lanes.get(lane) ?? { lane, events: 0, p50: NaN, p95: NaN, mean: NaN };
    if (field === 'events' || field === 'p50' || field === 'p95' || field === 'mean') row[field] = value;
    lanes.set(lane, row);
  }
  return lanes;
}

const server = await startServer(loadConfig({ port: 0, tickerIntervalMs: 1000, staticDir }));
const browser = await launchBrowser();
const rows: Row[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const full = await race(page, `${server.url}/en/lessons/09-comparing-and-choosing/`, { pollIntervalMs: 1000, eventIntervalMs: 730, durationMs: 60_000, payloadBytes: 120 });
  for (const lane of full.values()) {
    const row: Row = { run: 'full race, 60 s', ...lane };
    if (lane.lane === 'short-poll') row.target = { label: 'mean 425–575 ms', ok: Math.abs(lane.mean - 500) <= 75 };
    rows.push(row);
  }
  const focused = await race(page, `${server.url}/en/lessons/04-server-sent-events/`, { eventIntervalMs: 730, durationMs: 20_000, payloadBytes: 120 });
  for (const lane of focused.values()) rows.push({ run: 'SSE vs WebSocket, 20 s', ...lane, target: { label: 'p50 < 5 ms', ok: lane.p50 < 5 } });
} finally {
  await browser.close();
  await server.close();
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : '–').padStart(7);
console.log(`${'run'.padEnd(24)}${'transport'.padEnd(12)}${'events'.padStart(7)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'mean ms'.padStart(9)}  target`);
for (const row of rows) {
  const target = row.target ? `${row.target.label}: ${row.target.ok ? 'ok' : 'MISSED'}` : '';
  console.log(`${row.run.padEnd(24)}${row.lane.padEnd(12)}${String(row.events).padStart(7)}  ${ms(row.p50)}  ${ms(row.p95)}  ${ms(row.mean)}  ${target}`);
}
const missed = rows.filter((row) => row.target && !row.target.ok);
console.log(missed.length ? `\n${missed.length} latency target(s) missed` : '\nall latency targets met');
process.exit(missed.length ? 1 : 0);
