// Runs a short live race and screenshots the race island, to look at it with every lane:
//   npm run build && node --import tsx scripts/screenshot-race.ts
// Starts our real server in-process with the built site; for zh and en at 390, 1280 and 1920 px
// it runs a 10-second race on lesson 09 and writes screenshots/race-<lang>-<width>.png and
// race-table-<lang>-<width>.png.
// Prints console errors and any element that scrolls sideways.
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';

const RACE = '[data-testid="race"][data-mode="full"]';
const widths = (process.env.WIDTHS ?? '390,1280,1920').split(',').map(Number);
const langs = (process.env.LANGS ?? 'zh,en').split(',');
mkdirSync('screenshots', { recursive: true });
const server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', staticDir: process.env.STATIC_DIR ?? 'dist' }, process.env));
const browser = await launchBrowser();
try {
  for (const lang of langs) {
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1000 } });
      page.on('console', (message) => message.type() === 'error' && console.log(`[console] ${lang} ${width}: ${message.text()}`));
      page.on('pageerror', (error) => console.log(`[pageerror] ${lang} ${width}: ${error.message}`));
      await page.goto(`${server.url}/${lang}/lessons/09-comparing-and-choosing/`, { waitUntil: 'load' });
      await page.locator(RACE).scrollIntoViewIfNeeded();
      await page.locator(`astro-island:not([ssr]) ${RACE}`).waitFor({ timeout: 30_000 });
      await page.selectOption(`${RACE} select[data-setting="durationMs"]`, '10000');
      await page.click(`${RACE} [data-action="start"]`);
      await page.locator(`${RACE}[data-phase="done"]`).waitFor({ timeout: 60_000 });
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('[data-race] *')]
          .filter((element) => element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== 'visible')
          .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${element.scrollWidth}>${element.clientWidth}`),
      );
      if (wide.length) console.log(`[sideways] ${lang} ${width}: ${wide.join('; ')}`);
      const file = `screenshots/race-${lang}-${width}.png`;
      await page.locator(RACE).screenshot({ path: file });
      // The table alone too: in the whole island it is a strip too small to judge.
      await page.locator(`${RACE} [data-testid="race-table"]`).screenshot({ path: file.replace('race-', 'race-table-') });
      console.log(file);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
