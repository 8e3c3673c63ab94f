import { existsSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import type { RunningServer } from '../../server/server.ts';
import { launchBrowser } from './browser.ts';
import { startTestServer } from './server.ts';

/**
 * The built site (`npm run build` first: `npm run test:e2e` does) served by a real server on a
 * free port, and a fresh headless Chromium. Use in beforeAll/afterAll.
 */
export async function startSite(overrides: Parameters<typeof startTestServer>[0] = {}) {
  // STATIC_DIR lets parallel work build into separate folders (astro build --outDir …).
  const staticDir = process.env.STATIC_DIR ?? 'dist';
  if (!existsSync(`${staticDir}/zh/index.html`)) throw new Error(`no built site in ${staticDir}/: run "npm run build" first`);
  const server: RunningServer = await startTestServer({ tickerIntervalMs: 1000, staticDir, ...overrides });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    url: (path: string) => `${server.url}${path}`,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Collects console errors and uncaught exceptions of a page; assert the list is empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** Islands hydrate when visible (client:visible): scroll the demo into view first. */
export async function showDemo(page: Page, name: string): Promise<Locator> {
  const demo = page.locator(`figure.demo[data-demo="${name}"]`);
  await demo.scrollIntoViewIfNeeded();
  return demo;
}
