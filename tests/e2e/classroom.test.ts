import { mkdirSync } from 'node:fs';
import jsQR from 'jsqr';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomAggregate } from '../../src/protocol/rooms.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { CHROMIUM_ARGS } from '../helpers/browser.ts';
import { startSite, watchErrors } from '../helpers/site.ts';

// Classroom mode in real Chromium against the real server (issue #10, "Done means"): the
// projector at 1920×1080 shows the code and a QR that decodes back to the join URL; three phones
// (390×844, each its own browser profile, as three students' phones are) open that URL, join,
// receive a buzz and show up on the projector as counts and buzz dots. Screenshots in zh and en.

type Site = Awaited<ReturnType<typeof startSite>>;
const PROJECTOR = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };
const PHONES = 3;
const LOCALES = ['zh', 'en'] as const;

/** Reads the QR as drawn on screen: a screenshot of it, decoded to pixels by the page's canvas, read by jsQR. */
async function decodeQr(page: Page, selector: string): Promise<string | null> {
  const png = await page.locator(selector).screenshot();
  const { width, height, pixels } = await page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    return { width: canvas.width, height: canvas.height, pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
  }, png.toString('base64'));
  return jsQR(Uint8ClampedArray.from(pixels), width, height)?.data ?? null;
}

const dotsOnProjector = (page: Page) =>
  page.$$eval('[data-testid="buzz-lanes"] [data-dots]', (lanes) => lanes.reduce((sum, lane) => sum + Number((lane as HTMLElement).dataset.dots), 0));

describe('classroom mode in Chromium', () => {
  let site: Site;
  let phoneBrowser: Browser;

  beforeAll(async () => {
    mkdirSync('screenshots', { recursive: true });
    site = await startSite();
    // Phones need separate storage (each keeps its own client id): one context each.
    phoneBrowser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await phoneBrowser?.close();
    await site?.close();
  });

  async function openProjector(lang: string) {
    const page = await site.browser.newPage({ viewport: PROJECTOR });
    const errors = watchErrors(page);
    await page.goto(site.url(`/${lang}/classroom/`));
    await page.locator('[data-testid="projector"][data-ready="true"]').waitFor({ timeout: 20_000 });
    return { page, errors };
  }

  async function openPhone(url: string) {
    const context = await phoneBrowser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(url);
    await page.locator('[data-testid="phone"][data-phase="in-room"][data-state="live"]').waitFor({ timeout: 20_000 });
    return { page, errors, context };
  }

  for (const lang of LOCALES) {
    it(`${lang}: the projector's QR reads back as the join URL; three phones join, get a buzz, answer a question and show on the projector`, async () => {
      const { page: projector, errors } = await openProjector(lang);
      await projector.click('[data-action="open"]');
      const code = await projector.locator('[data-testid="room-code"]').getAttribute('data-code', { timeout: 20_000 });
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}$/);
      const joinUrl = (await projector.locator('[data-testid="join-url"]').textContent())!.trim();
      expect(joinUrl).toBe(site.url(`/${lang}/classroom/join/?room=${code}`));
      expect(await decodeQr(projector, '[data-testid="join-qr"]')).toBe(joinUrl);
      // The test server listens on 127.0.0.1: the projector must say phones cannot reach it.
      await expect(projector.locator('[data-testid="unreachable"]').isVisible()).resolves.toBe(true);

      const phones = [];
      for (let i = 0; i < PHONES; i++) phones.push(await openPhone(joinUrl));
      await projector.locator(`[data-testid="members"][data-total="${PHONES}"]`).waitFor({ timeout: 10_000 });
      // Balanced: three phones on the first three transports of the catalog, one each.
      const transports = await Promise.all(phones.map(({ page }) => page.locator('[data-testid="phone"]').getAttribute('data-transport')));
      expect(new Set(transports).size).toBe(PHONES);
      for (const name of TRANSPORTS.slice(0, PHONES)) {
        expect(await projector.locator(`[data-testid="members"] [data-transport="${name}"]`).getAttribute('data-count')).toBe('1');
      }

      await projector.click('[data-action="buzz"]');
      for (const { page } of phones) await page.locator('[data-testid="phone"][data-buzzes="1"]').waitFor({ timeout: 10_000 });
      await projector.waitForFunction(() => document.querySelectorAll('[data-testid="buzz-lanes"] .dot').length === 3, undefined, { timeout: 10_000 });
      expect(await dotsOnProjector(projector)).toBe(PHONES);
      const aggregate = (await (await fetch(site.url(`/api/rooms/${code}`))).json()) as RoomAggregate;
      expect(TRANSPORTS.reduce((sum, name) => sum + aggregate.buzzes[0]!.delays[name].length, 0)).toBe(PHONES);
      // No names and no client ids on the projector.
      const projectorText = await projector.locator('main').innerText();
      for (const { page } of phones) {
        const client = await page.evaluate(() => localStorage.getItem('classroom.client'));
        expect(client).toBeTruthy();
        expect(projectorText).not.toContain(client);
      }

      await projector.waitForTimeout(500); // the dots' pop-in animation
      await projector.screenshot({ path: `screenshots/e2e-classroom-projector-${lang}-1920.png` });
      await phones[0]!.page.waitForTimeout(1000); // the flash fades
      await phones[0]!.page.screenshot({ path: `screenshots/e2e-classroom-phone-${lang}-390.png` });

      // Predict, then observe: the question reaches the phones, answers come back as a live
      // histogram, and the reveal marks the answer and links to the lesson's live demo.
      await projector.click('[data-action="question"]');
      for (const { page } of phones) {
        await page.locator('[data-testid="phone-question"] button').first().click({ timeout: 10_000 });
      }
      await projector.waitForFunction(
        (n) => [...document.querySelectorAll<HTMLElement>('[data-testid="question-board"] [data-count]')].reduce((sum, bar) => sum + Number(bar.dataset.count), 0) === n,
        PHONES,
        { timeout: 10_000 },
      );
      await projector.click('[data-action="reveal"]');
      await projector.locator('[data-testid="question-reveal"]').waitFor({ timeout: 5000 });
      expect(await projector.locator('[data-testid="question-board"] .observe a').getAttribute('href')).toMatch(new RegExp(`^/${lang}/lessons/[0-9]{2}-[a-z0-9-]+/$`));

      // A reload is the same member: the count stays three.
      await phones[1]!.page.reload();
      await phones[1]!.page.locator('[data-testid="phone"][data-state="live"]').waitFor({ timeout: 20_000 });
      const after = (await (await fetch(site.url(`/api/rooms/${code}`))).json()) as RoomAggregate;
      expect(TRANSPORTS.reduce((sum, name) => sum + after.members[name], 0)).toBe(PHONES);

      for (const phone of phones) {
        expect(phone.errors).toEqual([]);
        await phone.context.close();
      }
      expect(errors).toEqual([]);
      await projector.close();
    });
  }

  it('keeps the room when the projector is refreshed', async () => {
    const { page, errors } = await openProjector('en');
    const code = await page.locator('[data-testid="room-code"]').getAttribute('data-code', { timeout: 20_000 });
    await page.reload();
    await page.locator('[data-testid="projector"][data-ready="true"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="room-code"]').getAttribute('data-code')).toBe(code);
    expect(errors).toEqual([]);
    await page.close();
  });
});
