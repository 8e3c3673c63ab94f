/**
 * Runs after `astro build` and Pagefind (package.json "build"): writes the sitemap, then a
 * brotli and a gzip copy beside every compressible file, which the server sends to a browser
 * that accepts them (server/static-files.ts). Compressing once at build time lets brotli use its
 * best (slowest) level, which no server could afford per request.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { siteUrl } from './site-url.mjs';

const dist = process.argv[2] ?? 'dist';
/** Text formats only: Pagefind's fragments and indexes are gzip already, images are compressed. */
const COMPRESSIBLE = /\.(html|js|mjs|css|json|svg|xml|txt|wasm|pagefind)$/;
/** Below this a compressed copy saves less than its own headers cost. */
const MIN_BYTES = 512;

function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every page but 404 and redirects, with its other-language twin as an hreflang alternate. */
function writeSitemap() {
  const site = siteUrl();
  const pages = files(dist)
    .filter((f) => f.endsWith(`${sep}index.html`))
    .filter((f) => !/http-equiv="refresh"/i.test(readFileSync(f, 'utf8')))
    .map((f) => `/${relative(dist, f).split(sep).slice(0, -1).join('/')}/`.replace(/^\/+/, '/'))
    .sort();
  const entry = (path) => {
    const twins = pages.filter((p) => p.replace(/^\/(zh|en)\//, '/') === path.replace(/^\/(zh|en)\//, '/'));
    const alternates = twins.map((p) => {
      const lang = p.startsWith('/en/') ? 'en' : 'zh-CN';
      return `    <xhtml:link rel="alternate" hreflang="${lang}" href="${site}${p}"/>`;
    });
    return [`  <url>`, `    <loc>${site}${path}</loc>`, ...(twins.length > 1 ? alternates : []), `  </url>`].join('\n');
  };
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ...pages.map(entry),
    '</urlset>',
    '',
  ].join('\n');
  writeFileSync(join(dist, 'sitemap.xml'), xml);
  writeFileSync(join(dist, 'robots.txt'), `User-agent: *\nAllow: /\n\nSitemap: ${site}/sitemap.xml\n`);
  return pages.length;
}

function precompress() {
  let before = 0;
  let after = 0;
  for (const file of files(dist)) {
    // A rebuild into the same folder must not leave variants of files that changed or went away.
    if (file.endsWith('.br') || file.endsWith('.gz')) rmSync(file);
  }
  for (const file of files(dist)) {
    if (!COMPRESSIBLE.test(file) || statSync(file).size < MIN_BYTES) continue;
    const raw = readFileSync(file);
    const br = brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    const gz = gzipSync(raw, { level: 9 });
    // Only where it pays: the server then simply sends the original.
    if (br.length < raw.length) writeFileSync(`${file}.br`, br);
    if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz);
    before += raw.length;
    after += Math.min(br.length, raw.length);
  }
  return { before, after };
}

const pages = writeSitemap();
const { before, after } = precompress();
console.log(`postbuild: sitemap of ${pages} pages; ${(before / 1024).toFixed(0)} KB of text → ${(after / 1024).toFixed(0)} KB brotli`);
