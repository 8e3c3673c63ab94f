import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../../src/protocol/feed.ts';
import { t, type Locale } from '../../src/i18n/ui.ts';
import { sleep, waitFor } from '../helpers/server.ts';
import { startSite, watchErrors } from '../helpers/site.ts';

// Numbers that don't lie when the browser is busy, and demos that say so when there is no server
// (issue #11): a hidden page releases its connections and resumes from its cursor without loss;
// a race with other tabs of the site holding connections warns and marks its result; every demo
// on a static-only copy of the site shows its notice.

type Site = Awaited<ReturnType<typeof startSite>>;
const RACE = '[data-testid="race"][data-mode="full"]';
const RACE_PAGE = '/en/lessons/09-comparing-and-choosing/';

/** Emulates the tab going to the background or coming back (what visibilitychange listeners see). */
const setVisibility = (page: Page, state: 'hidden' | 'visible') =>
  page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);

/** Open requests, streams and sockets per transport, as the server's ledger counts them. */
async function openConnections(site: Site): Promise<number> {
  const reply = (await (await fetch(site.url('/api/health'))).json()) as { connections: { byTransport: Record<string, number> } };
  return Object.values(reply.connections.byTransport).reduce((sum, n) => sum + n, 0);
}

/** Each status card's received count and last seq. */
const cards = (page: Page) =>
  page.$$eval('.status-card', (list) =>
    Object.fromEntries(
      list.map((card) => {
        const element = card as HTMLElement;
        return [element.dataset.transport!, { count: Number(element.dataset.count), seq: Number(element.querySelector('.seq')?.textContent?.slice(1) ?? 0), status: element.dataset.status }];
      }),
    ),
  );

async function openDemo(site: Site, path: string, selector: string) {
  const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(site.url(path));
  await page.locator(selector).first().scrollIntoViewIfNeeded();
  await page.locator(`astro-island:not([ssr]) ${selector}`).first().waitFor({ timeout: 20_000 });
  return { page, errors };
}

describe('a busy browser', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  it('a hidden page closes its connections and, shown again, resumes from its cursor without loss', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/'));
    await page.waitForFunction((n) => [...document.querySelectorAll<HTMLElement>('.status-card')].filter((c) => c.dataset.status === 'live' && Number(c.dataset.count) >= 2).length === n, TRANSPORTS.length, { timeout: 20_000 });
    expect(await openConnections(site)).toBeGreaterThan(0);

    await setVisibility(page, 'hidden');
    await waitFor(async () => (await openConnections(site)) === 0, 10_000, 'every connection closed');
    const before = await cards(page);
    expect(Object.values(before).every((card) => card.status === 'stopped')).toBe(true);
    await page.locator('[data-testid="status-summary"]').getByText('background').waitFor();
    await sleep(2500); // the ticker publishes every second: events pass while the page is hidden

    await setVisibility(page, 'visible');
    await page.waitForFunction(
      ({ seqs }) => [...document.querySelectorAll<HTMLElement>('.status-card')].every((c) => c.dataset.status === 'live' && Number(c.querySelector('.seq')?.textContent?.slice(1)) >= seqs[c.dataset.transport!]! + 3),
      { seqs: Object.fromEntries(Object.entries(before).map(([name, card]) => [name, card.seq])) },
      { timeout: 20_000 },
    );
    const after = await cards(page);
    for (const name of TRANSPORTS) {
      // Every seq between the last one before hiding and the latest arrived once: none lost, none twice.
      expect(after[name]!.count - before[name]!.count, name).toBe(after[name]!.seq - before[name]!.seq);
    }
    expect(await openConnections(site)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a race with three other lesson tabs holding connections warns, and marks a result taken under contention', async () => {
    const others: Page[] = [];
    for (const [path, selector] of [
      ['/en/', '.status-card'],
      ['/en/lessons/01-why-http-cant-push/', '.status-card'],
      ['/en/lessons/03-long-polling/', '[data-testid="sequence"]'],
    ] as const) {
      const { page } = await openDemo(site, path, selector);
      others.push(page);
    }
    const { page, errors } = await openDemo(site, RACE_PAGE, RACE);
    const warning = page.locator(`${RACE} [data-testid="race-contention"]`);
    await page.waitForFunction((sel) => Number(document.querySelector<HTMLElement>(sel)?.dataset.tabs) === 3, `${RACE} [data-testid="race-contention"]`, { timeout: 15_000 });
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-contention-en-1280.png' });
    expect(await warning.textContent()).toContain('3 other tab');

    await page.selectOption(`${RACE} select[data-setting="durationMs"]`, '10000');
    await page.click(`${RACE} [data-action="start"]`);
    await page.locator(`${RACE}[data-phase="starting"]`).waitFor({ timeout: 5_000 });
    // With nine connections held by the other tabs, the race's own requests wait in the browser's
    // queue (six per host). The other tabs go to the background: they release them, the race runs.
    for (const other of others) await setVisibility(other, 'hidden');
    await page.locator(`${RACE}[data-phase="done"]`).waitFor({ timeout: 60_000 });
    expect(Number(await page.getAttribute(RACE, 'data-contended'))).toBe(3);
    await expect(page.locator(`${RACE} [data-testid="race-contended"]`).textContent()).resolves.toContain('contention');
    await expect(page.locator(`${RACE} [data-testid="race-verdict"]`).textContent()).resolves.toContain('contention');
    // Hidden, the other tabs no longer count.
    expect(await warning.count()).toBe(0);
    await page.locator(RACE).screenshot({ path: 'screenshots/e2e-race-contended-en-1280.png' });
    expect(errors).toEqual([]);
    for (const other of [...others, page]) await other.close();
  });

  it('a stopped race says "stopped", not "over"', async () => {
    const { page } = await openDemo(site, RACE_PAGE, RACE);
    await page.click(`${RACE} [data-action="start"]`);
    await page.locator(`${RACE}[data-phase="running"]`).waitFor({ timeout: 30_000 });
    await sleep(1500);
    await page.click(`${RACE} [data-action="stop"]`);
    await page.locator(`${RACE}[data-phase="done"]`).waitFor({ timeout: 30_000 });
    expect(await page.getAttribute(RACE, 'data-stopped')).toBe('reader');
    const line = await page.locator(`${RACE} [data-testid="race-status"] .line`).textContent();
    expect(line).toContain('Stopped');
    expect(line).not.toContain('over');
    await page.close();
  });

  it('the sequence diagram drops its live run when hidden and starts a fresh one when shown', async () => {
    const SEQUENCE = '[data-testid="sequence"]';
    const { page, errors } = await openDemo(site, '/en/lessons/03-long-polling/', SEQUENCE);
    await page.locator(`${SEQUENCE}[data-phase="running"]`).waitFor({ timeout: 30_000 });
    await waitFor(async () => (await openConnections(site)) > 0, 10_000, 'the diagram’s connections');
    await setVisibility(page, 'hidden');
    await waitFor(async () => (await openConnections(site)) === 0, 10_000, 'every connection closed');
    await setVisibility(page, 'visible');
    await page.locator(`${SEQUENCE}[data-phase="running"]`).waitFor({ timeout: 30_000 });
    await waitFor(async () => (await openConnections(site)) > 0, 10_000, 'a fresh run’s connections');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a race whose page goes to the background stops, says why, and closes its connections', async () => {
    const { page } = await openDemo(site, RACE_PAGE, RACE);
    await page.click(`${RACE} [data-action="start"]`);
    await page.locator(`${RACE}[data-phase="running"]`).waitFor({ timeout: 30_000 });
    await sleep(1500);
    await setVisibility(page, 'hidden');
    await page.locator(`${RACE}[data-phase="done"]`).waitFor({ timeout: 30_000 });
    expect(await page.getAttribute(RACE, 'data-stopped')).toBe('hidden');
    expect(await page.locator(`${RACE} [data-testid="race-status"] .line`).textContent()).toContain('background');
    await waitFor(async () => (await openConnections(site)) === 0, 10_000, 'the race’s connections closed');
    await page.close();
  });
});

describe('a static-only site', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  /** Opens `path` as a static host would serve it: /api/… answers with an HTML 404 page. */
  async function openStatic(path: string, lang: string, width: number) {
    const page = await site.browser.newPage({ viewport: { width, height: 900 } });
    const errors = watchErrors(page);
    await page.route('**/api/**', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><title>Not found</title>' }));
    await page.goto(site.url(`/${lang}${path}`));
    return { page, errors };
  }

  const DEMOS = [
    ['/', 'home', '.status', '[data-testid="no-server"]'],
    ['/lessons/01-why-http-cant-push/', 'status', 'figure.demo[data-demo="transport-status"]', '[data-testid="no-server"]'],
    ['/lessons/03-long-polling/', 'sequence', 'figure.demo[data-demo="sequence"]', '[data-testid="sequence"][data-replay="true"]'],
    ['/lessons/05-websocket-handshake/', 'handshake', 'figure.demo[data-demo="handshake"]', '[data-testid="no-server"]'],
    ['/lessons/05-websocket-handshake/', 'accept', 'figure.demo[data-demo="accept-calculator"]', '[data-testid="no-server"]'],
    ['/lessons/06-websocket-frames/', 'frames', 'figure.demo[data-demo="frame-inspector"]', '[data-testid="no-server"]'],
    ['/lessons/07-browser-api/', 'ws-api', 'figure.demo[data-demo="ws-api"]', '[data-testid="no-server"]'],
    ['/lessons/08-servers/', 'echo', 'figure.demo[data-demo="echo"]', '[data-testid="no-server"]'],
    ['/lessons/08-servers/', 'chat', 'figure.demo[data-demo="chat"]', '[data-testid="no-server"]'],
    ['/lessons/09-comparing-and-choosing/', 'race', 'figure.demo[data-demo="race"]', '[data-testid="race-offline"]'],
    ['/lessons/09-comparing-and-choosing/', 'sweep', 'figure.demo[data-demo="race-sweep"]', '[data-testid="race-offline"]'],
  ] as const;

  // No server means no live connection: several pages at once (the e2e project caps how many).
  describe.concurrent.each(['zh', 'en'])('%s', (lang) => {
    it.each(DEMOS)('%s (%s) says there is no server', async (path, name, demo, notice) => {
      const { page, errors } = await openStatic(path, lang, 1280);
      await page.locator(demo).scrollIntoViewIfNeeded();
      // The notice (or the sequence's replay) itself: the figure alone would match at once.
      await page.locator(`${demo} ${notice}`).first().waitFor({ timeout: 20_000 });
      // No pill stuck on "retrying", no "closed 1006", no "all connected".
      const text = (await page.locator(demo).textContent()) ?? '';
      expect(text).not.toMatch(/1006|retrying|重连中|All \d+ transports|都连着服务器/);
      if (name === 'accept') {
        // A typed key needs no server: the RFC's example is computed in the browser.
        await page.locator(`${demo} .compare, ${demo} code`).first().waitFor();
        expect(text + ((await page.locator(demo).textContent()) ?? '')).toContain('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      }
      await page.locator(demo).screenshot({ path: `screenshots/e2e-static-${name}-${lang}-1280.png` });
      expect(errors.filter((error) => !error.includes('404'))).toEqual([]);
      await page.close();
    });
  });

  // What each demo's caption says without a server: never "Live demo".
  const CAPTIONS = {
    status: 'demo.labelServer',
    sequence: 'demo.labelReplay',
    handshake: 'demo.labelReplay',
    accept: 'demo.labelSample',
    frames: 'demo.labelReplay',
    'ws-api': 'demo.labelServer',
    echo: 'demo.labelServer',
    chat: 'demo.labelServer',
    race: 'demo.labelReplay',
    sweep: 'demo.labelReplay',
  } as const;

  it.each(['zh', 'en'] as const)('labels every demo by what it can show without the server, and "Live demo" with it (%s)', async (lang: Locale) => {
    const figures = DEMOS.filter(([, name]) => name !== 'home');
    const seen = new Set<string>();
    for (const [path, name, demo] of figures) {
      const { page, errors } = await openStatic(path, lang, 390);
      await page.locator(demo).scrollIntoViewIfNeeded();
      await page.locator(`${demo}[data-server="absent"]`).waitFor({ timeout: 20_000 });
      const caption = (await page.locator(`${demo} > figcaption`).textContent())?.trim();
      expect(caption, name).toBe(t(lang, CAPTIONS[name as keyof typeof CAPTIONS]));
      expect(caption).not.toBe(t(lang, 'demo.label'));
      if (!seen.has(CAPTIONS[name as keyof typeof CAPTIONS])) {
        seen.add(CAPTIONS[name as keyof typeof CAPTIONS]);
        await page.locator(demo).screenshot({ path: `screenshots/e2e-static-caption-${name}-${lang}-390.png` });
      }
      expect(errors.filter((error) => !error.includes('404'))).toEqual([]);
      await page.close();
    }
    // With our server behind the page: "Live demo".
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(site.url(`/${lang}/lessons/05-websocket-handshake/`));
    const demo = 'figure.demo[data-demo="handshake"]';
    await page.locator(demo).scrollIntoViewIfNeeded();
    await page.locator(`${demo}[data-server="present"]`).waitFor({ timeout: 20_000 });
    expect((await page.locator(`${demo} > figcaption`).textContent())?.trim()).toBe(t(lang, 'demo.label'));
    await page.close();
  });

  it.each(['zh', 'en'])('the handshake and frames offer a replay recorded from a real connection, labelled as one (%s)', async (lang) => {
    const { page, errors } = await openStatic('/lessons/05-websocket-handshake/', lang, 1280);
    const handshake = 'figure.demo[data-demo="handshake"]';
    await page.locator(handshake).scrollIntoViewIfNeeded();
    await page.click(`${handshake} [data-action="replay"]`);
    await page.locator(`${handshake} [data-testid="inspect-replay-banner"]`).waitFor();
    await page.locator(`${handshake} .handshake[data-ready="true"]`).waitFor();
    expect(await page.locator(`${handshake} [data-side="request"]`).textContent()).toContain('Sec-WebSocket-Key');
    await page.locator(handshake).screenshot({ path: `screenshots/e2e-static-handshake-replay-${lang}-1280.png` });
    await page.close();

    const frames = await openStatic('/lessons/06-websocket-frames/', lang, 390);
    const inspector = 'figure.demo[data-demo="frame-inspector"]';
    await frames.page.locator(inspector).scrollIntoViewIfNeeded();
    await frames.page.click(`${inspector} [data-action="replay"]`);
    await frames.page.locator(`${inspector} [data-testid="inspect-replay-banner"]`).waitFor();
    await frames.page.waitForFunction((sel) => Number(document.querySelector<HTMLElement>(`${sel} .inspector`)?.dataset.frames) >= 8, inspector);
    expect(await frames.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1)).toBe(true);
    await frames.page.locator(inspector).screenshot({ path: `screenshots/e2e-static-frames-replay-${lang}-390.png` });
    expect([...errors, ...frames.errors].filter((error) => !error.includes('404'))).toEqual([]);
    await frames.page.close();
  });

  it('the recorded race’s lanes say "replay", not "live"', async () => {
    const { page } = await openStatic('/lessons/09-comparing-and-choosing/', 'en', 1280);
    await page.locator(RACE).scrollIntoViewIfNeeded();
    await page.click(`${RACE} [data-action="replay"]`);
    await page.waitForFunction((root) => Number(document.querySelector<HTMLElement>(`${root} [data-lane="websocket"]`)?.dataset.count) >= 2, RACE, { timeout: 15_000 });
    const lanes = page.locator(`${RACE} [data-testid="race-lanes"] [data-lane]`);
    const statuses = await lanes.evaluateAll((list) => list.map((lane) => (lane as HTMLElement).dataset.status));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses).not.toContain('live');
    expect(await page.locator(`${RACE} [data-testid="race-lanes"]`).textContent()).not.toMatch(/\blive\b/);
    await page.close();
  });

  it.each(['zh', 'en'])('the notices fit a phone (%s, 390 px)', async (lang) => {
    for (const [path, name, demo] of [DEMOS[0], DEMOS[3], DEMOS[4], DEMOS[7]]) {
      const { page } = await openStatic(path, lang, 390);
      await page.locator(demo).scrollIntoViewIfNeeded();
      await page.locator(`${demo} [data-testid="no-server"]`).first().waitFor({ timeout: 20_000 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1)).toBe(true);
      await page.locator(demo).screenshot({ path: `screenshots/e2e-static-${name}-${lang}-390.png` });
      await page.close();
    }
  });
});
