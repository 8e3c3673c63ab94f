import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { pageUrl, readLessons } from '../helpers/lessons.ts';
import { startSite, watchErrors } from '../helpers/site.ts';
import { transportSpec } from '../../src/protocol/transports.ts';

// The page frame of issue #11: wide content fits every screen, code copies, the theme is
// remembered without a flash, quizzes can be retried. Lesson pages hold live connections and
// never reach networkidle: wait for `load`, then for what is being checked.
const lessons = readLessons();
const WIDTHS = [320, 390, 1280, 1920];

/** What overflows: the page itself, and any lesson table not inside a scroll region. */
async function overflow(page: Page) {
  return page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    unwrapped: [...document.querySelectorAll('.prose table')].filter((table) => !table.parentElement?.matches('.table-scroll[role="region"][tabindex="0"][aria-label]')).length,
    // A region's table may be wider than the region (it scrolls), never the region the page.
    regionsOut: [...document.querySelectorAll('.table-scroll')].filter((region) => region.getBoundingClientRect().right > window.innerWidth + 1).length,
    scrollable: [...document.querySelectorAll('.table-scroll')].every((region) => getComputedStyle(region).overflowX === 'auto'),
  }));
}

/**
 * Characters per full line of the lesson's long paragraphs (their last lines left out): the
 * median, and the shortest and longest full line. Lines are found from each character's box.
 */
async function measure(page: Page) {
  return page.evaluate(() => {
    const counts: number[] = [];
    const paragraphs = [...document.querySelectorAll<HTMLElement>('.prose > p')].filter((p) => (p.textContent ?? '').length > 300);
    for (const paragraph of paragraphs.slice(0, 4)) {
      const lines = new Map<number, number>();
      const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < (node.textContent ?? '').length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const box = range.getClientRects()[0];
          if (box) lines.set(Math.round(box.top + box.height / 2), (lines.get(Math.round(box.top + box.height / 2)) ?? 0) + 1);
        }
      }
      counts.push(...[...lines.values()].slice(0, -1));
    }
    counts.sort((a, b) => a - b);
    return { median: counts[counts.length >> 1] ?? 0, lines: counts.length, column: Math.round(document.querySelector('.prose')!.getBoundingClientRect().width) };
  });
}

/** Each header cell's text as the lines it is drawn on (found from each character's box). */
async function headerLines(page: Page, table: string) {
  return page.$$eval(`${table} thead th`, (cells) =>
    cells.map((cell) => {
      const lines = new Map<number, string>();
      const range = document.createRange();
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (let i = 0; i < text.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const box = range.getClientRects()[0];
          if (!box) continue;
          const top = Math.round(box.top + box.height / 2);
          lines.set(top, (lines.get(top) ?? '') + text[i]);
        }
      }
      return { text: (cell as HTMLElement).innerText.replace(/\s+/g, ' ').trim(), lines: [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line.trim()) };
    }),
  );
}

describe('layout', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  // Independent pages that hold no live connection above the fold: several at once.
  describe.concurrent.each(lessons.map((lesson) => [`${lesson.locale}/${lesson.slug}`, lesson] as const))('%s', (_name, lesson) => {
    it(`has no horizontal overflow and no clipped table at ${WIDTHS.join(', ')} px`, async () => {
      for (const width of WIDTHS) {
        const page = await site.browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(site.url(pageUrl(lesson)), { waitUntil: 'load' });
        await expect(overflow(page), `${width} px`).resolves.toEqual({ page: 0, unwrapped: 0, regionsOut: 0, scrollable: true });
        await page.close();
      }
    });
  });

  it.each(['zh', 'en'])('shows the whole comparison table of lesson 09 at 1920 px, and a scroll cue at 390 (%s)', async (lang) => {
    const url = site.url(`/${lang}/lessons/09-comparing-and-choosing/`);
    const wide = await site.browser.newPage({ viewport: { width: 1920, height: 1000 } });
    await wide.goto(url, { waitUntil: 'load' });
    const region = wide.locator('.table-scroll.breakout').first();
    await expect(region.evaluate((r) => r.scrollWidth <= r.clientWidth + 1)).resolves.toBe(true);
    await expect(region.evaluate((r) => r.getBoundingClientRect().width)).resolves.toBeGreaterThan(1100);
    await wide.close();

    const phone = await site.browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(url, { waitUntil: 'load' });
    const narrow = phone.locator('.table-scroll.breakout').first();
    await narrow.scrollIntoViewIfNeeded();
    await phone.locator('.table-scroll[data-overflowing] + .table-hint').first().waitFor();
    // Keyboard: the region takes focus and the arrow keys scroll it; the first column stays put.
    const firstCell = narrow.locator('tr').nth(1).locator('td').first();
    const before = await firstCell.evaluate((cell) => cell.getBoundingClientRect().left);
    await narrow.focus();
    await phone.keyboard.press('ArrowRight');
    await phone.keyboard.press('ArrowRight');
    await expect.poll(() => narrow.evaluate((r) => r.scrollLeft)).toBeGreaterThan(0);
    await expect(firstCell.evaluate((cell) => cell.getBoundingClientRect().left)).resolves.toBe(before);
    await phone.close();
  });

  it.each(['zh', 'en'])('breaks the race table’s lane names only at spaces on a 390 px phone (%s)', async (lang) => {
    const race = '[data-testid="race"][data-mode="full"]';
    const page = await site.browser.newPage({ viewport: { width: 390, height: 844 } });
    // The recorded race (what a static host offers) fills the table without a 10-second race.
    await page.route('**/api/**', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><title>Not found</title>' }));
    await page.goto(site.url(`/${lang}/lessons/09-comparing-and-choosing/`), { waitUntil: 'load' });
    await page.locator(race).scrollIntoViewIfNeeded();
    await page.click(`${race} [data-action="replay"]`);
    const table = `${race} [data-testid="race-table"]`;
    await page.locator(table).waitFor();
    const cells = await headerLines(page, table);
    expect(cells.map((cell) => cell.text)).toContain('WebSocket');
    // Joined again with one space per line break, the lines are the text: no break inside a word.
    for (const cell of cells) expect(cell.lines.join(' '), cell.text).toBe(cell.text);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBe(0);
    await page.locator(table).screenshot({ path: `screenshots/e2e-race-table-${lang}-390.png` });
    await page.close();
  });

  it('keeps the text column at 60 to 75 characters a line in English from 1024 to 1920 px', async () => {
    const lesson = lessons.find((l) => l.locale === 'en' && l.slug.startsWith('02-'))!;
    const results: Record<number, Awaited<ReturnType<typeof measure>>> = {};
    for (const width of [1024, 1100, 1280, 1600, 1920]) {
      const page = await site.browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(site.url(pageUrl(lesson)), { waitUntil: 'load' });
      results[width] = await measure(page);
      // The course list beside the lesson from 1024 px on.
      await expect(page.locator('.side').isVisible(), `${width} px`).resolves.toBe(true);
      await page.close();
    }
    for (const [width, result] of Object.entries(results)) {
      expect(result.lines, `${width} px`).toBeGreaterThan(8);
      expect(result.median, `${width} px: ${JSON.stringify(result)}`).toBeGreaterThanOrEqual(60);
      expect(result.median, `${width} px: ${JSON.stringify(result)}`).toBeLessThanOrEqual(75);
    }
  });

  it('copies a code block with its copy button', async () => {
    await site.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url('') });
    const page = await site.browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lessons/07-browser-api/'), { waitUntil: 'load' });
    const block = page.locator('.code-block').first();
    await block.scrollIntoViewIfNeeded();
    const code = await block.locator('pre').evaluate((pre) => pre.textContent);
    // Code keeps its lines: it scrolls instead of wrapping.
    await expect(block.locator('pre').evaluate((pre) => getComputedStyle(pre).whiteSpace)).resolves.toBe('pre');
    await block.locator('button.copy-code').click();
    await expect.poll(() => block.locator('button.copy-code').textContent()).toBe('Copied');
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(code);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('remembers the theme across a reload, set before the first paint', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Records <html data-theme> at the moment <body> is inserted, before anything can paint.
    await page.addInitScript(() => {
      new MutationObserver((_records, observer) => {
        if (!document.body) return;
        (window as unknown as { themeAtBody: string | undefined }).themeAtBody = document.documentElement.dataset.theme;
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(site.url('/zh/lessons/01-why-http-cant-push/'), { waitUntil: 'load' });
    await page.locator('#theme-select').selectOption('dark');
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    for (const path of ['/zh/lessons/01-why-http-cant-push/', '/en/']) {
      await page.goto(site.url(path), { waitUntil: 'load' });
      await expect(page.evaluate(() => (window as unknown as { themeAtBody?: string }).themeAtBody)).resolves.toBe('dark');
      await expect(page.locator('#theme-select').inputValue()).resolves.toBe('dark');
      await expect(page.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.not.toBe('rgb(251, 251, 253)');
      // Scripts (the race charts) read the tokens as plain colours, dark ones here.
      const tokens = await page.evaluate(() => ['--fg', '--c-websocket'].map((name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()));
      expect(tokens[0]).toBe('#e6e8ec');
      expect(tokens[1]).toBe(transportSpec('websocket').color.dark);
    }
    await page.locator('#theme-select').selectOption('system');
    await page.reload({ waitUntil: 'load' });
    await expect(page.evaluate(() => (window as unknown as { themeAtBody?: string }).themeAtBody ?? null)).resolves.toBe(null);
    await page.close();
  });

  it('turns projector mode on from the header or ?projector=1, remembers it, and lays the lesson out in one wide column', async () => {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(site.url('/en/lessons/09-comparing-and-choosing/?projector=1'), { waitUntil: 'load' });
    const fontSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    expect(await fontSize()).toBeGreaterThan(20);
    await page.goto(site.url('/en/lessons/01-why-http-cant-push/'), { waitUntil: 'load' });
    await expect(page.locator('#projector-toggle').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('.side').isVisible()).resolves.toBe(false);
    await page.locator('#projector-toggle').click();
    expect(await fontSize()).toBe(16);
    await page.reload({ waitUntil: 'load' });
    expect(await fontSize()).toBe(16);
    await page.close();
  });

  it('lets a wrong answer be retried, and shows the answer on request', async () => {
    const lesson = lessons.find((l) => l.locale === 'en' && l.slug.startsWith('05-'))!;
    const choices = lesson.frontmatter.questions.filter((q) => q.kind === 'choice');
    const page = await site.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(site.url(pageUrl(lesson)), { waitUntil: 'load' });
    for (const [index, question] of choices.slice(0, 2).entries()) {
      const quiz = page.locator(`form.quiz[data-question="${question.id}"]`);
      await quiz.scrollIntoViewIfNeeded();
      const radios = quiz.locator('input[type="radio"]');
      await radios.nth((question.answer + 1) % question.choices.length).check();
      await quiz.locator('button[type="submit"]').click();
      await quiz.locator('.verdict').waitFor();
      await expect(quiz.getAttribute('data-verdict')).resolves.toBe('incorrect');
      await expect(quiz.locator('.explanation').count()).resolves.toBe(0);
      if (index === 0) {
        // Retry: change the answer and check again.
        await radios.nth(question.answer).check();
        await quiz.locator('button[type="submit"]').click();
        await expect.poll(() => quiz.getAttribute('data-verdict')).toBe('correct');
      } else {
        // Give up: the answer and its explanation on request.
        await quiz.locator('button.reveal').click();
      }
      await quiz.locator('.explanation').waitFor();
      await expect(quiz.getAttribute('data-revealed')).resolves.toBe('true');
    }
    await page.close();
  });
});
