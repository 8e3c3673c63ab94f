import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TRANSPORTS } from '../../src/protocol/feed.ts';
import { allWireBytes, wireBytes } from '../helpers/ledger-sums.ts';
import { startRelay } from '../helpers/relay.ts';
import { waitFor } from '../helpers/server.ts';
import { startSite, watchErrors } from '../helpers/site.ts';

type Site = Awaited<ReturnType<typeof startSite>>;

/** Waits until every card of the status panel is live and has received at least `count` events. */
const allReceiving = (page: Page, count: number) =>
  page.waitForFunction(
    ({ min, transports }) => {
      const cards = [...document.querySelectorAll<HTMLElement>('.status-card')];
      return cards.length === transports && cards.every((card) => card.dataset.status === 'live' && Number(card.dataset.count) >= min);
    },
    { min: count, transports: TRANSPORTS.length },
    { timeout: 20_000 },
  );

describe('home page', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  describe.each([
    ['zh', '实时通信，看得见', 'English', '/en/'],
    ['en', 'Realtime, visualized', '中文', '/zh/'],
  ])('%s', (lang, title, switchLabel, otherPath) => {
    it('shows every transport receiving the live feed, without console errors', async () => {
      const page = await site.browser.newPage();
      const errors = watchErrors(page);
      await page.goto(site.url(`/${lang}/`));
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(title);
      await allReceiving(page, 2);
      for (const transport of TRANSPORTS) {
        const card = page.locator(`.status-card[data-transport="${transport}"]`);
        await expect(card.locator('.seq').textContent()).resolves.toMatch(/^#\d+$/);
      }
      const lessonLinks = await page.locator('.lesson-list a').count();
      expect(lessonLinks).toBeGreaterThanOrEqual(11);
      await page.screenshot({ path: `screenshots/e2e-home-${lang}.png`, fullPage: true });
      const link = page.locator('a.lang-switch');
      await expect(link.textContent()).resolves.toContain(switchLabel);
      await link.click();
      await page.waitForURL(site.url(otherPath));
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  it('sends a page visiting / to the Chinese home page', async () => {
    const page = await site.browser.newPage();
    await page.goto(site.url('/'));
    await page.waitForURL(site.url('/zh/'));
    await page.close();
  });

  it('shows the site 404 page for an unknown page', async () => {
    const page = await site.browser.newPage();
    const response = await page.goto(site.url('/zh/no-such-page/'));
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('找不到');
    await page.close();
  });
});

describe('ledger exactness for a real Chromium page, through a TCP relay', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  it('files every byte the page and its transports put on the wire in exactly one bucket', async () => {
    const relay = await startRelay(site.server.port);
    const totalsBefore = allWireBytes(site.server.ledger.stats(null));
    try {
      // A browser of its own, so closing it closes every connection it made through the relay.
      const { launchBrowser } = await import('../helpers/browser.ts');
      const browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${relay.url}/en/`);
      await allReceiving(page, 3);
      const client = await page.locator('.status-grid').getAttribute('data-client');
      await browser.close();
      await relay.drained();
      await waitFor(() => site.server.ledger.stats(client).transports.websocket.openConnections === 0, 5000, 'sockets closed');

      expect(allWireBytes(site.server.ledger.stats(null)) - totalsBefore).toBe(relay.total);
      const mine = site.server.ledger.stats(client);
      for (const transport of TRANSPORTS) {
        expect(mine.transports[transport].requests, transport).toBeGreaterThan(0);
        expect(wireBytes(mine.transports[transport]), transport).toBeGreaterThan(0);
      }
    } finally {
      await relay.close();
    }
  });
});
