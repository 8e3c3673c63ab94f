// Screenshots pages in headless Chromium, to look at what we build:
//   node --import tsx scripts/screenshot.ts http://127.0.0.1:8080 /zh/ /en/lessons/02-short-polling/
// Writes screenshots/<path>-<width>.png for a phone (390) and a desktop (1366) width,
// and prints console errors. Set WIDTHS=390,1920 to choose widths, WAIT_MS to wait longer.
import { mkdirSync } from 'node:fs';
import { launchBrowser } from '../tests/helpers/browser.ts';

const [base, ...paths] = process.argv.slice(2);
if (!base || paths.length === 0) {
  console.error('usage: scripts/screenshot.ts <base-url> <path>...');
  process.exit(2);
}
const widths = (process.env.WIDTHS ?? '390,1366').split(',').map(Number);
const waitMs = Number(process.env.WAIT_MS ?? 2500);
mkdirSync('screenshots', { recursive: true });
const browser = await launchBrowser();
try {
  for (const path of paths) {
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 } });
      page.on('console', (message) => message.type() === 'error' && console.log(`[console] ${path} ${message.text()}`));
      page.on('pageerror', (error) => console.log(`[pageerror] ${path} ${error.message}`));
      await page.goto(base + path, { waitUntil: 'networkidle' }).catch(() => page.goto(base + path));
      await page.waitForTimeout(waitMs);
      const file = `screenshots/${path.replace(/^\/|\/$/g, '').replace(/[/#?]/g, '_') || 'root'}-${width}.png`;
      await page.screenshot({ path: file, fullPage: process.env.FULL !== '0' });
      console.log(file);
      await page.close();
    }
  }
} finally {
  await browser.close();
}
