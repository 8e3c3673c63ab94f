import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, type StatsReply, type TransportFigures, type TransportName } from '../../src/protocol/feed.ts';
import { transportSpec } from '../../src/protocol/transports.ts';
import { startSite, watchErrors } from '../helpers/site.ts';

// The race in real Chromium against the real server: every lane gets the same events in order,
// the table is the ledger, the charts draw, dropped connections resume without loss, the layout
// holds at phone and desktop width in both languages, the sweep and the sequence diagram draw,
// and a site without a server offers the recorded replay.

type Site = Awaited<ReturnType<typeof startSite>>;
const RACE = '[data-testid="race"][data-mode="full"]';
const LEDGER_FIELDS = ['requests', 'requestHeaderBytes', 'responseHeaderBytes', 'payloadBytes', 'framingBytes'] as const;
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Opens a page and waits until the island under `selector` has hydrated (client:visible). */
async function openIsland(site: Site, path: string, selector: string, viewport = DESKTOP) {
  const page = await site.browser.newPage({ viewport });
  const errors = watchErrors(page);
  await page.goto(site.url(path));
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.locator(`astro-island:not([ssr]) ${selector}`).waitFor({ timeout: 20_000 });
  return { page, errors };
}

async function choose(page: Page, root: string, settings: Record<string, number>) {
  for (const [key, value] of Object.entries(settings)) await page.selectOption(`${root} select[data-setting="${key}"]`, String(value));
}

const waitForPhase = (page: Page, root: string, phase: string, timeout: number) =>
  page.locator(`${root}[data-phase="${phase}"]`).waitFor({ timeout });

/** Each lane's delivered seqs, from the lane cards' data-seqs. */
const laneSeqs = (page: Page, root: string) =>
  page.$$eval(`${root} [data-testid="race-lanes"] [data-lane]`, (lanes) =>
    Object.fromEntries(lanes.map((lane) => [(lane as HTMLElement).dataset.lane!, ((lane as HTMLElement).dataset.seqs ?? '').split(',').filter(Boolean).map(Number)])),
  );

/** The table's raw value for one lane and field. */
const cell = (page: Page, root: string, lane: string, field: string) =>
  page.$eval(`${root} [data-testid="race-table"] td[data-lane="${lane}"][data-field="${field}"]`, (td) => Number((td as HTMLElement).dataset.value));

/** How many pixels of a canvas are not transparent: a blank chart has none. */
const inkedPixels = (page: Page, selector: string) =>
  page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
    return inked;
  });

/**
 * What sticks out sideways in the islands: elements past the island's right edge, and scroll
 * containers that would need scrolling (the table must fit). Inside a container that clips or
 * scrolls, the container is what counts, so its children are not visited.
 */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const problems: string[] = [];
    if (document.documentElement.scrollWidth > innerWidth + 1) problems.push(`document ${document.documentElement.scrollWidth} > ${innerWidth}`);
    for (const root of document.querySelectorAll<HTMLElement>('[data-testid="race"], [data-testid="sweep"], [data-testid="sequence"]')) {
      const edge = root.getBoundingClientRect().right + 1;
      const name = (element: Element) => `${root.dataset.testid} ${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''}`;
      const visit = (element: Element) => {
        const right = element.getBoundingClientRect().right;
        if (right > edge) problems.push(`${name(element)} ends at ${Math.round(right)} > ${Math.round(edge)}`);
        if (getComputedStyle(element).overflowX !== 'visible') {
          // A visually hidden 1-px box (screen-reader text) clips on purpose.
          if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 1) problems.push(`${name(element)} scrolls sideways`);
          return;
        }
        for (const child of element.children) visit(child);
      };
      visit(root);
    }
    return problems;
  });

async function fetchStats(site: Site, client: string): Promise<StatsReply> {
  const response = await fetch(`${site.server.url}/api/stats?client=${client}`);
  return (await response.json()) as StatsReply;
}

describe('race', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
    mkdirSync('screenshots', { recursive: true });
  });
  afterAll(() => site.close());

  it('a 20-second race: every transport gets the same events in order, the table is the ledger, the charts draw', async () => {
    const { page, errors } = await openIsland(site, '/en/lessons/09-comparing-and-choosing/', RACE);
    await choose(page, RACE, { eventIntervalMs: 500, pollIntervalMs: 1000, durationMs: 20_000, payloadBytes: 120 });
    await page.click(`${RACE} [data-action="start"]`);
    await waitForPhase(page, RACE, 'done', 60_000);

    const seqs = await laneSeqs(page, RACE);
    expect(Object.keys(seqs)).toEqual([...TRANSPORTS]);
    for (const transport of TRANSPORTS) expect(seqs[transport], transport).toEqual(oneTo(40));

    // The table is the server's ledger for this page's client id, to the byte.
    const client = (await page.getAttribute(RACE, 'data-client'))!;
    expect(client).toMatch(/^race-[0-9a-f]{16}$/);
    const stats = await fetchStats(site, client);
    expect(stats.transports).toEqual(site.server.ledger.stats(client).transports);
    for (const transport of TRANSPORTS) {
      const figures: TransportFigures = stats.transports[transport];
      for (const field of LEDGER_FIELDS) expect(await cell(page, RACE, transport, field), `${transport} ${field}`).toBe(figures[field]);
      expect(figures.openConnections).toBe(0);
    }
    expect(stats.transports.websocket.requests).toBe(1);
    expect(stats.transports.sse.requests).toBe(1);
    // A tolerant sanity check only; bench/race-latency.ts holds the real latency targets.
    const shortPollMean = await cell(page, RACE, 'short-poll', 'mean');
    expect(shortPollMean).toBeGreaterThan(150);
    expect(shortPollMean).toBeLessThan(1000);
    expect(await cell(page, RACE, 'websocket', 'p50')).toBeLessThan(100);

    for (const chart of ['requests', 'headers', 'body', 'latency', 'latency-time']) {
      expect(await inkedPixels(page, `${RACE} [data-testid="chart-${chart}"] canvas`), chart).toBeGreaterThan(500);
    }
    await expect(page.textContent(`${RACE} [data-testid="race-verdict"]`)).resolves.toMatch(/used 1 request and .* requests/);
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-en-1366.png' });

    // The same finished race at phone width: nothing sticks out sideways.
    expect(await overflowing(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(300);
    expect(await overflowing(page)).toEqual([]);
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-en-390.png' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('resumes without loss or duplicates when the server drops every connection mid-race', async () => {
    const { page, errors } = await openIsland(site, '/zh/lessons/09-comparing-and-choosing/', RACE, PHONE);
    await choose(page, RACE, { eventIntervalMs: 250, pollIntervalMs: 500, durationMs: 10_000, payloadBytes: 16 });
    await page.click(`${RACE} [data-action="start"]`);
    await page.waitForFunction(
      (root) => [...document.querySelectorAll<HTMLElement>(`${root} [data-testid="race-lanes"] [data-lane]`)].every((lane) => Number(lane.dataset.count) >= 8),
      RACE,
      { timeout: 20_000 },
    );
    site.server.dropConnections();
    await waitForPhase(page, RACE, 'done', 45_000);

    const seqs = await laneSeqs(page, RACE);
    for (const transport of TRANSPORTS) expect(seqs[transport], transport).toEqual(oneTo(40));
    // The drop really cut the long-lived connections: each had to connect again.
    const client = (await page.getAttribute(RACE, 'data-client'))!;
    const stats = await fetchStats(site, client);
    expect(stats.transports.websocket.requests).toBeGreaterThanOrEqual(2);
    expect(stats.transports.sse.requests).toBeGreaterThanOrEqual(2);
    for (const transport of TRANSPORTS) expect(await cell(page, RACE, transport, 'requests')).toBe(stats.transports[transport].requests);

    expect(await overflowing(page)).toEqual([]);
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-zh-390.png' });
    await page.setViewportSize(DESKTOP);
    await page.waitForTimeout(300);
    expect(await overflowing(page)).toEqual([]);
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-zh-1366.png' });
    // Dropped fetches and sockets log network errors in the console; uncaught exceptions would be bugs.
    expect(errors.filter((error) => error.startsWith('pageerror'))).toEqual([]);
    await page.close();
  });

  it('the sweep plots every short-polling interval and every other transport', async () => {
    const SWEEP = '[data-testid="sweep"]';
    const { page, errors } = await openIsland(site, '/en/lessons/09-comparing-and-choosing/', SWEEP);
    await choose(page, SWEEP, { eventIntervalMs: 730, durationMs: 10_000 });
    await page.click(`${SWEEP} [data-action="start"]`);
    await waitForPhase(page, SWEEP, 'done', 45_000);
    const points = await page.$$eval(`${SWEEP} [data-testid="sweep-table"] tbody tr`, (rows) =>
      rows.map((row) => ({
        lane: (row as HTMLElement).dataset.lane,
        rpm: Number(row.querySelector<HTMLElement>('[data-field="rpm"]')!.dataset.value),
        connections: row.querySelector<HTMLElement>('[data-field="rpm"]')!.dataset.connections,
        mean: Number(row.querySelector<HTMLElement>('[data-field="mean"]')!.dataset.value),
      })),
    );
    // Short polling at each sweep interval, then every other transport of the catalog.
    const sweepLanes = [250, 500, 1000, 2000, 4000].map((ms) => `short-poll-${ms}`);
    expect(points.map((p) => p.lane)).toEqual([...sweepLanes, ...TRANSPORTS.filter((name) => name !== 'short-poll')]);
    for (const point of points) {
      // Polls have a request rate; a stream or socket is one connection however long it runs.
      if (transportSpec((point.lane!.startsWith('short-poll') ? 'short-poll' : point.lane) as TransportName).kind === 'poll') expect(point.rpm, point.lane).toBeGreaterThan(0);
      else expect(point.connections, point.lane).toBe('1');
      expect(Number.isFinite(point.mean), point.lane).toBe(true);
    }
    // The dilemma itself: polling less often costs latency.
    const shortPolls = points.slice(0, 5);
    expect(shortPolls[0]!.rpm).toBeGreaterThan(shortPolls[4]!.rpm);
    expect(shortPolls[4]!.mean).toBeGreaterThan(shortPolls[0]!.mean);
    expect(await inkedPixels(page, `${SWEEP} canvas`)).toBeGreaterThan(500);
    await page.locator(SWEEP).screenshot({ path: 'screenshots/e2e-sweep-en-1366.png' });
    expect(errors).toEqual([]);
    await page.close();
  });

  describe.each(['zh', 'en'])('the sequence diagram (%s)', (lang) => {
    it('draws real requests, replies and pushed events, and fits a phone', async () => {
      const SEQUENCE = '[data-testid="sequence"]';
      const { page, errors } = await openIsland(site, `/${lang}/lessons/03-long-polling/`, SEQUENCE, PHONE);
      await page.waitForFunction(
        (root) => document.querySelectorAll(`${root} line.arrow.push`).length >= 2 && document.querySelectorAll(`${root} line.arrow.request`).length >= 4,
        SEQUENCE,
        { timeout: 20_000 },
      );
      expect(await page.locator(`${SEQUENCE} rect.bar.held`).count()).toBeGreaterThan(0);
      expect(await overflowing(page)).toEqual([]);
      await page.locator(SEQUENCE).screenshot({ path: `screenshots/e2e-sequence-${lang}-390.png` });
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  it('without a server (a static-only site) it says so and plays the recorded race, labelled as a replay', async () => {
    const page = await site.browser.newPage({ viewport: DESKTOP });
    const errors = watchErrors(page);
    // What a static host answers for /api/…: its HTML 404 page.
    await page.route('**/api/**', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><title>Not found</title>' }));
    await page.goto(site.url('/en/lessons/09-comparing-and-choosing/'));
    await page.locator(RACE).scrollIntoViewIfNeeded();
    await page.locator(`${RACE} [data-testid="race-offline"]`).waitFor({ timeout: 20_000 });
    await page.click(`${RACE} [data-action="replay"]`);
    await page.locator(`${RACE} [data-testid="race-replay-banner"]`).waitFor();
    expect(await page.getAttribute(RACE, 'data-replay')).toBe('true');
    await page.waitForFunction((root) => Number(document.querySelector<HTMLElement>(`${root} [data-lane="websocket"]`)?.dataset.count) >= 3, RACE, { timeout: 15_000 });
    // The 404s of the probe are the browser's own network log lines, not errors of the page.
    expect(errors.filter((error) => !error.includes('404'))).toEqual([]);
    await page.close();
  });
});
