// Records the replay a static-only copy of the site shows when there is no server:
//   npm run build && node --import tsx scripts/record-race.ts        (STATIC_DIR=… for another build)
// Starts our real server in-process with the built site, drives the real Race and Sweep islands in
// headless Chromium (default settings: the "chat" preset, and the sweep), and saves exactly what
// the islands measured (their event/exchange/ledger log) as src/data/race-replay.json. Nothing in
// that file is typed by hand; to refresh it, run this again and rebuild.
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import type { RaceRecording, ReplayFile } from '../src/lib/race/recording.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';

const OUTPUT = 'src/data/race-replay.json';
const staticDir = process.env.STATIC_DIR ?? 'dist';

/** Starts the island under `selector`, waits for it to finish and returns what it recorded. */
async function record(page: Page, selector: string): Promise<RaceRecording> {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.locator(`astro-island:not([ssr]) ${selector}`).waitFor({ timeout: 30_000 });
  await page.click(`${selector} [data-action="start"]`);
  await page.locator(`${selector}[data-phase="done"]`).waitFor({ timeout: 120_000 });
  const recording = await page.$eval(selector, (element) =>
    (element as HTMLElement & { raceRecording?: () => unknown }).raceRecording?.(),
  );
  if (!recording) throw new Error(`${selector} finished without a recording`);
  return recording as RaceRecording;
}

/** Browser times to 0.1 ms (performance.now()'s float noise like …77.4001 says nothing). */
const tenths = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10) / 10 : value);

/** One log entry per line: small diffs when the recording is refreshed, still plain JSON. */
function format(file: ReplayFile): string {
  const part = (recording: RaceRecording) => {
    const { log, ...rest } = recording;
    const head = JSON.stringify(rest, tenths, 2).slice(0, -2);
    return `${head},\n  "log": [\n${log.map((entry) => `    ${JSON.stringify(entry, tenths)}`).join(',\n')}\n  ]\n}`;
  };
  return `{\n"race": ${part(file.race)},\n"sweep": ${part(file.sweep)}\n}\n`;
}

const server = await startServer(loadConfig({ port: 0, staticDir }));
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', (error) => console.error(`[pageerror] ${error.message}`));
  await page.goto(`${server.url}/en/lessons/09-comparing-and-choosing/`);
  console.log('recording the race (about 25 s)…');
  const race = await record(page, '[data-testid="race"][data-mode="full"]');
  console.log('recording the sweep (about 30 s)…');
  const sweep = await record(page, '[data-testid="sweep"]');
  writeFileSync(OUTPUT, format({ race, sweep }));
  console.log(`${OUTPUT}: race ${race.log.length} entries, sweep ${sweep.log.length} entries. Rebuild the site to ship it.`);
} finally {
  await browser.close();
  await server.close();
}
