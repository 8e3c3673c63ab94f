import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, watchErrors } from '../helpers/site.ts';

// `npm run build` (which `npm run test:e2e` runs first) writes the Pagefind index.
describe('search (Pagefind)', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  /** Runs a query on a search page and returns the result links once Pagefind has answered. */
  async function search(lang: string, query: string) {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url(`/${lang}/search/`));
    await page.locator('.pagefind-ui__search-input').fill(query);
    await page.locator('.pagefind-ui__message').filter({ hasText: /\d|没有|No results/ }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    const links = await page.locator('.pagefind-ui__result-link').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    await page.close();
    return { links, errors };
  }

  it.each([
    ['zh', '长轮询', '/zh/lessons/03-long-polling/'],
    ['zh', 'Sec-WebSocket-Accept', '/zh/lessons/05-websocket-handshake/'],
    ['en', 'masking', '/en/lessons/06-websocket-frames/'],
    ['en', 'long polling', '/en/lessons/03-long-polling/'],
  ])('on the %s search page, "%s" finds %s and only pages in that language', async (lang, query, expected) => {
    const { links, errors } = await search(lang, query);
    expect(links).toContain(expected);
    expect(links.filter((link) => !link.startsWith(`/${lang}/`))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('finds no Chinese pages for 长轮询 on the English search page', async () => {
    const { links } = await search('en', '长轮询');
    expect(links.filter((link) => !link.startsWith('/en/'))).toEqual([]);
  });

  it('searches from the header box of any page', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(site.url('/zh/lessons/01-why-http-cant-push/'));
    await page.locator('.header-search input').fill('长轮询');
    await page.locator('.header-search input').press('Enter');
    await page.waitForURL(/\/zh\/search\/\?q=/);
    await page.locator('.pagefind-ui__result-link[href^="/zh/lessons/03-long-polling/"]').first().waitFor({ timeout: 10_000 });
    await page.close();
  });
});
