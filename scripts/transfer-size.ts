// What a page costs on the wire (issue #11: a race lesson was 362 KB before compression):
// the built site on a real server, one Chromium visit with an empty cache scrolled to the end
// so every client:visible island loads, then a reload (what revalidation and `immutable` save).
// Live API traffic (polls, streams) is left out: it is the lesson's demo, not the page.
//   node --import tsx scripts/transfer-size.ts [/zh/lessons/09-comparing-and-choosing/]
import type { Page } from 'playwright-core';
import { launchBrowser } from '../tests/helpers/browser.ts';
import { startTestServer } from '../tests/helpers/server.ts';

const path = process.argv[2] ?? '/zh/lessons/09-comparing-and-choosing/';
const LIVE = new Set(['EventSource', 'Fetch', 'XHR', 'WebSocket']);

async function visit(page: Page, go: () => Promise<unknown>): Promise<Record<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const types = new Map<string, string>();
  const bytes: Record<string, number> = {};
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    const type = types.get(e.requestId) ?? 'Other';
    if (!LIVE.has(type)) bytes[type] = (bytes[type] ?? 0) + e.encodedDataLength;
  });
  await go();
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(100);
  }
  await page.waitForTimeout(3000);
  await cdp.detach();
  return bytes;
}

const kb = (bytes: Record<string, number>) => `${(Object.values(bytes).reduce((a, b) => a + b, 0) / 1024).toFixed(0)} KB ${JSON.stringify(bytes)}`;
const server = await startTestServer({ staticDir: process.env.STATIC_DIR ?? 'dist' });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  console.log(`first visit ${path}: ${kb(await visit(page, () => page.goto(server.url + path, { waitUntil: 'load' })))}`);
  console.log(`reload:      ${kb(await visit(page, () => page.reload({ waitUntil: 'load' })))}`);
} finally {
  await browser.close();
  await server.close();
}
