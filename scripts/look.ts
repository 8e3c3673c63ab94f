// Viewport screenshots with an element scrolled into view, to look at one part of a page:
//   node --import tsx scripts/look.ts <base> <path> <selector> [widths]
// Writes screenshots/look-<path>-<width>.png. THEME=dark, PROJECTOR=1 set those modes first.
import { mkdirSync } from 'node:fs';
import { launchBrowser } from '../tests/helpers/browser.ts';

const [base, path, selector = 'h1', widthList = '390,1280,1920'] = process.argv.slice(2);
if (!base || !path) {
  console.error('usage: scripts/look.ts <base-url> <path> [selector] [widths]');
  process.exit(2);
}
mkdirSync('screenshots', { recursive: true });
const browser = await launchBrowser();
try {
  for (const width of widthList.split(',').map(Number)) {
    const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1000 } });
    page.on('console', (m) => m.type() === 'error' && console.log(`[console] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
    await page.addInitScript(([theme, projector]) => {
      if (theme) localStorage.setItem('theme', theme);
      if (projector) localStorage.setItem('projector', '1');
    }, [process.env.THEME ?? '', process.env.PROJECTOR ?? ''] as const);
    await page.goto(base + path, { waitUntil: 'load' });
    await page.locator(selector).first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(Number(process.env.WAIT_MS ?? 1200));
    const file = `screenshots/look-${path.replace(/^\/|\/$/g, '').replace(/[/#?]/g, '_') || 'root'}-${width}.png`;
    await page.screenshot({ path: file });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
}
