// The site as a cluster serves it: Chromium → nginx (deploy/nginx.conf) → two instances of
// server/main.ts → one redis-server. nginx spreads the race's requests round-robin over both
// instances with no stickiness; every lane must still get every event once and in order, and
// the race's table must equal the cluster's ledger to the byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, type StatsReply } from '../../src/protocol/feed.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startInstance, startNginx, startRedis } from '../helpers/services.ts';
import { watchErrors } from '../helpers/site.ts';

const RACE = '[data-testid="race"][data-mode="full"]';
const LEDGER_FIELDS = ['requests', 'requestHeaderBytes', 'responseHeaderBytes', 'payloadBytes', 'framingBytes'] as const;

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let baseUrl = '';
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const redis = await startRedis();
  stoppers.push(redis.stop);
  const env = { REDIS_URL: redis.url, STATIC_DIR: process.env.STATIC_DIR ?? 'dist', TICKER_INTERVAL_MS: '1000' };
  const instances = await Promise.all([startInstance({ env }), startInstance({ env })]);
  for (const instance of instances) stoppers.push(instance.stop);
  const nginx = await startNginx({ upstreamPorts: instances.map((instance) => instance.port) });
  stoppers.push(nginx.stop);
  baseUrl = nginx.url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
});

describe('the site behind nginx, on two instances sharing Redis', () => {
  it('runs the race: every lane gets every event in order, and the table is the cluster\'s ledger', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${baseUrl}/en/lessons/09-comparing-and-choosing/`);
    await page.locator(RACE).scrollIntoViewIfNeeded();
    await page.locator(`astro-island:not([ssr]) ${RACE}`).waitFor({ timeout: 20_000 });
    for (const [key, value] of Object.entries({ eventIntervalMs: 500, pollIntervalMs: 1000, durationMs: 10_000, payloadBytes: 120 })) {
      await page.selectOption(`${RACE} select[data-setting="${key}"]`, String(value));
    }
    await page.click(`${RACE} [data-action="start"]`);
    await page.locator(`${RACE}[data-phase="done"]`).waitFor({ timeout: 45_000 });

    const seqs = await page.$$eval(`${RACE} [data-testid="race-lanes"] [data-lane]`, (lanes) =>
      Object.fromEntries(lanes.map((lane) => [(lane as HTMLElement).dataset.lane!, ((lane as HTMLElement).dataset.seqs ?? '').split(',').filter(Boolean).map(Number)])),
    );
    for (const transport of TRANSPORTS) expect(seqs[transport], transport).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const client = (await page.getAttribute(RACE, 'data-client'))!;
    const stats = (await (await fetch(`${baseUrl}/api/stats?client=${client}`)).json()) as StatsReply;
    for (const transport of TRANSPORTS) {
      for (const field of LEDGER_FIELDS) {
        const shown = await page.$eval(`${RACE} [data-testid="race-table"] td[data-lane="${transport}"][data-field="${field}"]`, (td) => Number((td as HTMLElement).dataset.value));
        expect(shown, `${transport} ${field}`).toBe(stats.transports[transport][field]);
      }
      expect(stats.transports[transport].openConnections).toBe(0);
    }
    expect(stats.transports['short-poll'].requests).toBeGreaterThanOrEqual(10);
    expect(errors).toEqual([]);
    await page.close();
  });
});
