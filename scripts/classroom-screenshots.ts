// Screenshots of classroom mode, to look at what we build: a projector (1920 and 1280 wide)
// and real phone pages (390) in one room, through each step of a lesson.
//   npm run build && PORT=8080 npm run serve &
//   node --import tsx scripts/classroom-screenshots.ts http://127.0.0.1:8080 [zh|en] [phones]
// Writes screenshots/classroom-<lang>-<step>-<width>.png.
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/helpers/browser.ts';

const [base, lang = 'zh', phoneCount = '10'] = process.argv.slice(2);
if (!base) {
  console.error('usage: scripts/classroom-screenshots.ts <base-url> [zh|en] [phones]');
  process.exit(2);
}
mkdirSync('screenshots', { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const WIDTHS = [1920, 1280];

async function shoot(page: Page, step: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 1920 ? 1080 : 800 });
    await page.waitForTimeout(300);
    const file = `screenshots/classroom-${lang}-${step}-${width}.png`;
    await page.screenshot({ path: file });
    console.log(file);
  }
}

try {
  const projector = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  projector.on('pageerror', (error) => console.log(`[projector pageerror] ${error.message}`));
  await projector.goto(`${base}/${lang}/classroom/`);
  await projector.locator('[data-testid="projector"][data-ready="true"]').waitFor();
  await shoot(projector, '0-intro');
  await projector.click('[data-action="open"]');
  const joinUrl = (await projector.locator('[data-testid="join-url"]').textContent({ timeout: 10_000 }))!.trim();
  await shoot(projector, '1-open');

  const phones: Page[] = [];
  for (let i = 0; i < Number(phoneCount); i++) {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    phone.on('pageerror', (error) => console.log(`[phone pageerror] ${error.message}`));
    await phone.goto(joinUrl);
    phones.push(phone);
  }
  for (const phone of phones) await phone.locator('[data-testid="phone"][data-state="live"]').waitFor({ timeout: 30_000 });
  await shoot(projector, '2-joined');
  await phones[0]!.screenshot({ path: `screenshots/classroom-${lang}-phone-joined-390.png` });

  await projector.click('[data-action="buzz"]');
  await phones[0]!.waitForTimeout(150);
  await phones[0]!.screenshot({ path: `screenshots/classroom-${lang}-phone-flash-390.png` });
  await projector.waitForTimeout(3000);
  await shoot(projector, '3-buzz');

  await projector.selectOption('select[data-setting="per-second"]', '10');
  await projector.click('[data-action="stream"]');
  await projector.waitForTimeout(6000);
  await shoot(projector, '4-stream');

  // Everyone on the last transport of the catalog: each phone moves from its cursor.
  const last = await projector.locator('select[data-action="switch"] option').last().getAttribute('value');
  await projector.selectOption('select[data-action="switch"]', last!);
  await projector.waitForTimeout(4000);
  const moved = await Promise.all(phones.map((phone) => phone.locator('[data-testid="phone"]').getAttribute('data-transport')));
  console.log(`after switching to ${last}: phones on ${[...new Set(moved)].join(', ')}`);
  await shoot(projector, '4b-switched');
  await projector.selectOption('select[data-action="switch"]', '');
  await projector.waitForTimeout(3000);
  const back = await Promise.all(phones.map((phone) => phone.locator('[data-testid="phone"]').getAttribute('data-transport')));
  console.log(`after balancing again: ${back.join(', ')}`);

  await projector.click('[data-action="cut"]');
  await projector.waitForTimeout(6000);
  await shoot(projector, '5-cut');
  await phones[3]!.screenshot({ path: `screenshots/classroom-${lang}-phone-cut-390.png` });

  await projector.click('[data-action="question"]');
  await phones[0]!.locator('[data-testid="phone-question"]').waitFor({ timeout: 10_000 });
  await phones[0]!.screenshot({ path: `screenshots/classroom-${lang}-phone-question-390.png` });
  for (const [i, phone] of phones.entries()) await phone.locator('[data-testid="phone-question"] button').nth(i % 3 === 0 ? 1 : i % 2).click();
  await projector.waitForTimeout(2000);
  await projector.click('[data-action="reveal"]');
  await shoot(projector, '6-question');
  await phones[0]!.screenshot({ path: `screenshots/classroom-${lang}-phone-answered-390.png` });
} finally {
  await browser.close();
}
