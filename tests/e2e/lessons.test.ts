import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { pageUrl, readLessons, type LessonFile } from '../helpers/lessons.ts';
import { startSite, watchErrors } from '../helpers/site.ts';

const lessons = readLessons();

/** Answers a question right or wrong, checks it, and returns the verdict the page shows. */
async function answer(quiz: Locator, question: LessonFile['frontmatter']['questions'][number], right: boolean): Promise<string | null> {
  if (question.kind === 'choice') {
    const pick = right ? question.answer : (question.answer + 1) % question.choices.length;
    await quiz.locator('input[type="radio"]').nth(pick).check();
  } else {
    const wrong = question.answer + (question.tolerance ?? 0) + 1000;
    await quiz.locator('input[type="text"]').fill(String(right ? question.answer : wrong));
  }
  await quiz.locator('button[type="submit"]').click();
  await quiz.locator('.verdict').waitFor();
  return quiz.getAttribute('data-verdict');
}

describe('lesson pages', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  // Independent pages, several at once (the e2e project caps how many).
  describe.concurrent.each(lessons.map((lesson) => [`${lesson.locale}/${lesson.slug}`, lesson] as const))('%s', (_name, lesson) => {
    it('renders its title, demos and questions without console errors, and its language switch keeps the page', async () => {
      const page = await site.browser.newPage();
      const errors = watchErrors(page);
      const response = await page.goto(site.url(pageUrl(lesson)));
      expect(response?.status()).toBe(200);
      await expect(page.locator('h1').textContent()).resolves.toBe(lesson.frontmatter.title);
      const demos = await page.locator('figure.demo').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-demo')));
      expect(demos).toEqual(lesson.frontmatter.demos);
      // Static HTML first: no script but the frame's own two (theme before paint; copy buttons,
      // toggles) unless the page has islands (demos, questions).
      const islands = await page.locator('astro-island').count();
      expect(islands).toBeGreaterThanOrEqual(lesson.frontmatter.questions.length);
      if (islands === 0) await expect(page.locator('script:not([data-site])').count()).resolves.toBe(0);

      for (const [index, question] of lesson.frontmatter.questions.entries()) {
        const quiz = page.locator(`form.quiz[data-question="${question.id}"]`);
        await quiz.scrollIntoViewIfNeeded();
        // A wrong answer keeps the explanation back, so the reader can try again.
        await expect(answer(quiz, question, false), `${question.id} wrong`).resolves.toBe('incorrect');
        await expect(quiz.locator('.explanation').count()).resolves.toBe(0);
        await expect(answer(quiz, question, true), `${question.id} right`).resolves.toBe('correct');
        await quiz.locator('.explanation').waitFor();
        if (index === 0) expect(await quiz.locator('.explanation').textContent()).not.toBe('');
      }

      const other = lesson.locale === 'zh' ? 'en' : 'zh';
      await page.locator('a.lang-switch').click();
      await page.waitForURL(site.url(pageUrl({ locale: other, slug: lesson.slug })));
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  it('links between lessons in order with previous/next', async () => {
    const page = await site.browser.newPage();
    await page.goto(site.url('/en/lessons/01-why-http-cant-push/'));
    const visited: string[] = [];
    for (;;) {
      visited.push(new URL(page.url()).pathname);
      const next = page.locator('a[rel="next"]');
      if ((await next.count()) === 0) break;
      await next.click();
      await page.waitForLoadState('domcontentloaded');
    }
    expect(visited).toEqual(
      lessons.filter((l) => l.locale === 'en' && l.frontmatter.order !== 99).sort((a, b) => a.frontmatter.order - b.frontmatter.order).map(pageUrl),
    );
    await page.close();
  });

  it('lets a keyboard user skip to the content', async () => {
    const page = await site.browser.newPage();
    await page.goto(site.url('/zh/lessons/02-short-polling/'));
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.className)).resolves.toContain('skip-link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#main$/);
    await page.close();
  });
});
