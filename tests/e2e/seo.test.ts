import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite } from '../helpers/site.ts';

/** What search engines and link previews read (src/layouts/Base.astro, scripts/postbuild.mjs). */
describe('SEO and social previews', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  const head = async (path: string) => {
    const html = await (await fetch(site.url(path))).text();
    const attr = (selector: RegExp) => selector.exec(html)?.[1] ?? null;
    return {
      canonical: attr(/<link rel="canonical" href="([^"]+)"/),
      alternates: [...html.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"/g)].map((m) => [m[1], m[2]]),
      og: Object.fromEntries([...html.matchAll(/<meta property="og:([a-z_:]+)" content="([^"]*)"/g)].map((m) => [m[1], m[2]])),
      twitter: attr(/<meta name="twitter:card" content="([^"]+)"/),
      robots: attr(/<meta name="robots" content="([^"]+)"/),
    };
  };

  it('a lesson has an absolute canonical URL, hreflang for both languages and x-default, and preview tags', async () => {
    const zh = await head('/zh/lessons/05-websocket-handshake/');
    const en = await head('/en/lessons/05-websocket-handshake/');
    expect(zh.canonical).toMatch(/^https?:\/\/[^/]+\/zh\/lessons\/05-websocket-handshake\/$/);
    const origin = new URL(zh.canonical!).origin;
    const both = [
      ['zh-CN', `${origin}/zh/lessons/05-websocket-handshake/`],
      ['en', `${origin}/en/lessons/05-websocket-handshake/`],
      ['x-default', `${origin}/zh/lessons/05-websocket-handshake/`],
    ];
    // Each page names the same set (hreflang must be reciprocal).
    expect(zh.alternates.sort()).toEqual([...both].sort());
    expect(en.alternates.sort()).toEqual([...both].sort());
    expect(zh.og).toMatchObject({ locale: 'zh_CN', 'locale:alternate': 'en_US', url: zh.canonical });
    expect(en.og).toMatchObject({ locale: 'en_US', 'locale:alternate': 'zh_CN', url: en.canonical });
    expect(en.og.title).toContain('WebSocket');
    expect(en.og.description!.length).toBeGreaterThan(20);
    expect(en.twitter).toBe('summary');
  });

  it('the 404 page is kept out of the index; the sitemap and robots.txt use the same address', async () => {
    const missing = await head('/no-such-page/');
    expect(missing.canonical).toBeNull();
    expect(missing.robots).toBe('noindex');
    const { canonical } = await head('/en/');
    const origin = new URL(canonical!).origin;
    const sitemap = await (await fetch(site.url('/sitemap.xml'))).text();
    expect(sitemap).toContain(`<loc>${origin}/en/</loc>`);
    expect(sitemap).toContain(`hreflang="zh-CN" href="${origin}/zh/glossary/"`);
    expect(sitemap).not.toContain('404');
    expect(await (await fetch(site.url('/robots.txt'))).text()).toContain(`Sitemap: ${origin}/sitemap.xml`);
  });
});
