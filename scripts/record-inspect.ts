// Records the handshake and frames a static-only copy of the site shows when there is no server:
//   npm run build && node --import tsx scripts/record-inspect.ts      (STATIC_DIR=… for another build)
// Starts our real server in-process with the built site, drives the real frame inspector in
// headless Chromium (a 5-byte and a 200-byte message, a ping, a close) and saves exactly what the
// server's socket recorded of that connection (GET /api/inspect/:id) as src/data/inspect-replay.json.
// Nothing in that file is typed by hand; to refresh it, run this again and rebuild.
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import type { InspectRecording } from '../src/lib/inspect/replay.ts';
import type { InspectReply } from '../src/protocol/inspect.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';

const OUTPUT = 'src/data/inspect-replay.json';
const INSPECTOR = '.inspector';
const staticDir = process.env.STATIC_DIR ?? 'dist';

/** Clicks `action` and waits until the server has recorded at least `more` further frames. */
async function step(page: Page, action: string, more: number): Promise<void> {
  const before = Number(await page.getAttribute(INSPECTOR, 'data-frames'));
  await page.click(`${INSPECTOR} ${action}`);
  await page.waitForFunction(({ sel, n }) => Number(document.querySelector<HTMLElement>(sel)?.dataset.frames) >= n, { sel: INSPECTOR, n: before + more }, { timeout: 15_000 });
}

const server = await startServer(loadConfig({ port: 0, staticDir }));
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => console.error(`[pageerror] ${error.message}`));
  // The capture's id, from the page's own requests for it.
  let id = '';
  page.on('request', (request) => {
    const match = /\/api\/inspect\/([^/?]+)\?/.exec(request.url());
    if (match) id = match[1]!;
  });
  await page.goto(`${server.url}/en/lessons/06-websocket-frames/`);
  await page.locator(INSPECTOR).scrollIntoViewIfNeeded();
  await page.locator(`${INSPECTOR}[data-status="open"]`).waitFor({ timeout: 30_000 });
  await step(page, '[data-preset="5"]', 2); // the message and its echo
  await step(page, '[data-preset="200"]', 2);
  await step(page, '[data-action="ping"]', 2); // the server's ping and the browser's pong
  await step(page, '[data-action="close"]', 2); // both close frames
  const reply = (await (await fetch(`${server.url}/api/inspect/${id}?since=0`)).json()) as InspectReply;
  const userAgent = await page.evaluate(() => navigator.userAgent);
  const recording: InspectRecording = { recordedAt: new Date().toISOString(), userAgent, reply };
  writeFileSync(OUTPUT, `${JSON.stringify(recording, null, 2)}\n`);
  console.log(`${OUTPUT}: handshake ${reply.request.length + reply.response.length} base64 chars, ${reply.frames.length} frames. Rebuild the site to ship it.`);
} finally {
  await browser.close();
  await server.close();
}
