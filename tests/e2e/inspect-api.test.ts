// The articles' browser demos in real Chromium against the real server: the WebSocket API demo
// (readyState, event log, bufferedAmount), echo, and the chat between two pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { showDemo, startSite, watchErrors } from '../helpers/site.ts';


describe('inspect demos: api', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  it('browser API demo: readyState lights up, events are logged, bufferedAmount rises and drains', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/zh/lessons/07-browser-api/'));
    const demo = await showDemo(page, 'ws-api');
    const api = demo.locator('.api');
    const machine = demo.locator('.machine ol');
    await demo.locator('[data-action="connect"]:not([disabled])').click();
    await demo.locator('.api[data-ready-state="1"]').waitFor();
    await expect(machine.getAttribute('data-state')).resolves.toBe('1');
    await expect(machine.locator('li.visited').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-value')))).resolves.toEqual(['0', '1']);
    await expect(machine.locator('li[aria-current="step"]').getAttribute('data-value')).resolves.toBe('1');

    await demo.locator('[data-action="send"]').click();
    await demo.locator('.log li[data-kind="message"]', { hasText: 'Echo: hello' }).waitFor();

    // Watch the meter from inside the page, once per frame, so no rise can slip between polls.
    const watch = page.evaluate(
      () =>
        new Promise<{ max: number; last: number }>((resolve) => {
          const meter = document.querySelector('.meter')!;
          let max = 0;
          const started = performance.now();
          const tick = () => {
            const value = Number(meter.getAttribute('data-buffered'));
            max = Math.max(max, value);
            if ((max > 0 && value === 0) || performance.now() - started > 30_000) resolve({ max, last: value });
            else requestAnimationFrame(tick);
          };
          tick();
        }),
    );
    await demo.locator('[data-action="burst"]').click();
    const seen = await watch;
    expect(seen.max).toBeGreaterThan(0);
    expect(seen.last).toBe(0);
    const peak = Number(await demo.locator('.meter').getAttribute('data-peak'));
    expect(peak).toBeGreaterThan(1024 * 1024);
    await demo.locator('.meter polyline').waitFor();
    await demo.locator('.log li[data-kind="meter"]').waitFor();
    // All 200 echoes come back (folded into log lines with counts).
    await page.waitForFunction(() => {
      const counts = [...document.querySelectorAll('.log li[data-kind="message"] .text')]
        .filter((li) => li.textContent?.includes('61,440'))
        .map((li) => Number(li.querySelector('.count')?.textContent?.match(/\d+/)?.[0] ?? 1));
      return counts.reduce((a, b) => a + b, 0) === 200;
    });

    await demo.locator('[data-action="close"]').click();
    await demo.locator('.api[data-ready-state="3"]').waitFor();
    await expect(machine.locator('li.visited').count()).resolves.toBe(4); // CLOSING was seen too
    await expect(demo.locator('.log li[data-kind="close"]').textContent()).resolves.toMatch(/code 1000.*done.*wasClean true/);
    await expect(api.locator('[data-action="connect"]').isEnabled()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('echo demo echoes text and binary', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lessons/08-servers/'));
    const demo = await showDemo(page, 'echo');
    await demo.locator('.echo[data-status="open"]').waitFor();
    await demo.locator('input').fill('ping from e2e');
    await demo.locator('button[type="submit"]').click();
    await demo.locator('li[data-from="server"]', { hasText: 'Echo: ping from e2e' }).waitFor();
    await demo.locator('[data-action="binary"]').click();
    const you = await demo.locator('li[data-from="you"] code').last().textContent();
    await demo.locator('li[data-from="server"] code').waitFor();
    await expect(demo.locator('li[data-from="server"] code').last().textContent()).resolves.toBe(you);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('chat works between two pages in the same room, joined through the share link', async () => {
    const room = `e2e-${Date.now()}`;
    const pages = await Promise.all([site.browser.newPage(), site.browser.newPage()]);
    const errors = pages.map(watchErrors);
    const [alice, bob] = pages as [Page, Page];

    await alice.goto(site.url(`/en/lessons/08-servers/?room=${room}#chat-demo`));
    const aliceChat = await showDemo(alice, 'chat');
    await expect(aliceChat.locator('[data-field="room"]').inputValue()).resolves.toBe(room);
    await aliceChat.locator('[data-field="nick"]').fill('alice');
    await aliceChat.locator('[data-action="join"]').click();
    await aliceChat.locator('.chat[data-status="open"]').waitFor();
    const link = await aliceChat.locator('[data-share-link]').getAttribute('href');
    expect(link).toBe(site.url(`/en/lessons/08-servers/?room=${room}#chat-demo`));

    await bob.goto(link!);
    const bobChat = await showDemo(bob, 'chat');
    await bobChat.locator('[data-field="nick"]').fill('bob');
    await bobChat.locator('[data-action="join"]').click();
    await bobChat.locator('.chat[data-status="open"]').waitFor();
    await aliceChat.locator('[data-notice="join"]', { hasText: 'bob joined' }).waitFor();
    await expect(aliceChat.locator('[data-members]').getAttribute('data-members')).resolves.toBe('2');

    await aliceChat.locator('[data-field="message"]').fill('hello bob');
    await aliceChat.locator('[data-action="say"]').click();
    await bobChat.locator('li[data-from="alice"]', { hasText: 'hello bob' }).waitFor();
    await bobChat.locator('[data-field="message"]').fill('hi alice');
    await bobChat.locator('[data-action="say"]').click();
    await aliceChat.locator('li[data-from="bob"]', { hasText: 'hi alice' }).waitFor();

    await bobChat.locator('[data-action="leave"]').click();
    await aliceChat.locator('[data-notice="leave"]', { hasText: 'bob left' }).waitFor();
    expect(errors.flat()).toEqual([]);
    await Promise.all(pages.map((page) => page.close()));
  });
});
