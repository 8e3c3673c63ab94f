import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { runChecks } from '../helpers/a11y-checks.ts';
import { startSite } from '../helpers/site.ts';

/**
 * Issue #11's accessibility findings, on every page of the sitemap in light and dark: axe-core
 * (no serious or critical violation), and the rules the issue found broken checked directly as
 * well (tests/helpers/a11y-checks.ts), each proven able to fail by its self-test.
 */
const AXE_SOURCE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
type Site = Awaited<ReturnType<typeof startSite>>;

/** Scrolls through the page so every client:visible island hydrates before the checks. */
async function hydrateAll(page: Page) {
  // Each island into view in turn (a fast wheel can outrun the IntersectionObserver on a busy
  // machine). An island is `display: contents`: Astro watches its children, so scroll to those.
  await page.evaluate(async () => {
    for (const island of document.querySelectorAll('astro-island[ssr]')) {
      (island.firstElementChild ?? island).scrollIntoView();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  await page.waitForFunction(() => document.querySelectorAll('astro-island[ssr]').length === 0, null, { timeout: 40_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
}

describe('accessibility', () => {
  let site: Site;
  let pages: string[] = [];
  beforeAll(async () => {
    site = await startSite();
    // The sitemap is the list of every page (scripts/postbuild.mjs); its URLs are absolute.
    const xml = await (await fetch(site.url('/sitemap.xml'))).text();
    pages = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
  });
  afterAll(() => site.close());

  it('the sitemap lists every lesson page in both languages', () => {
    expect(pages.filter((p) => p.startsWith('/zh/lessons/')).length).toBeGreaterThan(5);
    expect(pages.filter((p) => p.startsWith('/en/lessons/')).length).toBe(pages.filter((p) => p.startsWith('/zh/lessons/')).length);
  });

  it('the checks themselves find each kind of fault the issue reported', async () => {
    const page = await site.browser.newPage();
    await page.setContent(`<body style="background:#fff">
      <a href="/zh/" aria-label="Switch to Chinese">中文</a>
      <ol role="log"><li>entry</li></ol>
      <input type="search" title="Search">
      <h2>a</h2><h4>b</h4>
      <pre style="background:#fff"><span style="color:#e36209">const</span></pre></body>`);
    const rules = (await page.evaluate(runChecks)).map((f) => f.rule);
    expect(rules.sort()).toEqual(['color-contrast', 'heading-order', 'label', 'label-in-name', 'list']);
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`every page in ${scheme}: axe finds nothing serious; names contain visible text, lists, labels, heading order, contrast`, async () => {
      const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.emulateMedia({ colorScheme: scheme });
      const failures: string[] = [];
      for (const path of [...pages, '/no-such-page/']) {
        await page.goto(site.url(path));
        await hydrateAll(page);
        for (const f of await page.evaluate(runChecks)) failures.push(`${path} ${f.rule}: ${f.where} ${f.detail}`);
        // axe-core itself: no serious or critical violation (evaluated over CDP, which the page's CSP does not govern).
        await page.evaluate(AXE_SOURCE);
        const serious = await page.evaluate(async () => {
          const result = await (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document);
          return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        });
        for (const violation of serious) failures.push(`${path} axe ${violation}`);
      }
      await page.close();
      expect(failures).toEqual([]);
    }, 240_000);
  }

  it('keeps keyboard focus on the race control when Start becomes Stop and back', async () => {
    const page = await site.browser.newPage();
    await page.goto(site.url('/en/lessons/09-comparing-and-choosing/'));
    const race = '[data-testid="race"][data-mode="full"]';
    await page.locator(race).scrollIntoViewIfNeeded();
    const start = page.locator(`astro-island:not([ssr]) ${race} [data-action="start"]`);
    await start.focus();
    await page.keyboard.press('Enter');
    const stop = page.locator(`${race} [data-action="stop"]`);
    await stop.waitFor();
    expect(await stop.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator(`${race} [data-action="start"]`).waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.action)).toBe('start');
    await page.close();
  }, 60_000);
});
