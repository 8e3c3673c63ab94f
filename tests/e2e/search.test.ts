import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, watchErrors } from '../helpers/site.ts';

// `npm run build` (which `npm run test:e2e` runs first) writes the Pagefind index.
describe('search (Pagefind)', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  it.each([
    ['zh', '长轮询', '/zh/lessons/03-long-polling/'],
    ['zh', 'Sec-WebSocket-Accept', '/en/lessons/05-websocket-handshake/'],
    ['en', 'masking', '/en/lessons/06-websocket-frames/'],
    ['en', '掩码', '/zh/lessons/06-websocket-frames/'],
  ])('on the %s search page, "%s" finds %s (both languages are searched)', async (lang, query, expected) => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url(`/${lang}/search/`));
    await page.locator('.pagefind-ui__search-input').fill(query);
    const result = page.locator(`.pagefind-ui__result-link[href^="${expected}"]`).first();
    await result.waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
