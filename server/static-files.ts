import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import type { Context, MiddlewareHandler } from 'hono';
import { getMimeType } from 'hono/utils/mime';

/**
 * Serves the built site the way a CDN would: the precompressed variant that the build wrote
 * beside each file (scripts/precompress.mjs: `x.js.br`, `x.js.gz`) when Accept-Encoding allows,
 * a year of `immutable` for Astro's content-hashed assets, and revalidation (ETag and
 * Last-Modified, 304) for everything else. Written here rather than with @hono/node-server's
 * serveStatic because that one ignores q-values (`br;q=0` would still get brotli), sends
 * `Vary` only when it did compress (a shared cache could then hand brotli to a client that
 * cannot read it), and never answers 304.
 */

/** In the order the server prefers them: brotli is ~15 % smaller than gzip on this site's JS. */
export const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** Astro puts every bundled asset here, named by a hash of its content. */
const HASHED_PREFIX = '/_astro/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Stored but revalidated each time: a new build shows at once, an unchanged page costs a 304. */
const REVALIDATE = 'no-cache';

/** `.`/`..` segments, doubled or back slashes: never a file of the site (same rule as hono's). */
const UNSAFE_PATH = /(?:^|[/\\])\.{1,2}(?:$|[/\\])|[/\\]{2,}|\\/;

export function serveBuiltFiles(root: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const found = await locate(root, c.req.path);
    if (!found) return next();
    return respond(c, found.path, found.stats);
  };
}

async function locate(root: string, urlPath: string): Promise<{ path: string; stats: Stats } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (UNSAFE_PATH.test(decoded) || decoded.includes('\0')) return null;
  let path = join(root, decoded);
  // Belt and braces: whatever the pattern missed, nothing outside the build is served.
  if (path !== root && !path.startsWith(root + sep)) return null;
  let stats = await statOrNull(path);
  if (stats?.isDirectory()) {
    path = join(path, 'index.html');
    stats = await statOrNull(path);
  }
  // Compressed variants are an encoding of a file, not pages of their own.
  if (!stats?.isFile() || ENCODINGS.some((e) => path.endsWith(e.suffix))) return null;
  return { path, stats };
}

async function respond(c: Context, path: string, stats: Stats): Promise<Response> {
  const headers = new Headers({
    'Content-Type': getMimeType(path) ?? 'application/octet-stream',
    'Cache-Control': c.req.path.startsWith(HASHED_PREFIX) ? IMMUTABLE : REVALIDATE,
  });
  const variants = await variantsOf(path);
  // Any file that has a compressed variant answers differently by Accept-Encoding; caches must know.
  if (variants.length > 0) headers.set('Vary', 'Accept-Encoding');
  const accepted = acceptedEncodings(c.req.header('accept-encoding'));
  const chosen = variants.find((v) => accepted.has(v.name));
  const served = chosen ? { path: path + chosen.suffix, stats: chosen.stats } : { path, stats };
  if (chosen) headers.set('Content-Encoding', chosen.name);
  // One tag per representation (RFC 9110 §8.8.3): the brotli bytes are not the gzip bytes.
  headers.set('ETag', `"${served.stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}${chosen ? `-${chosen.name}` : ''}"`);
  headers.set('Last-Modified', stats.mtime.toUTCString());
  if (notModified(c, headers.get('ETag')!, stats.mtime)) {
    headers.delete('Content-Type');
    headers.delete('Content-Encoding');
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Length', String(served.stats.size));
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  // The site's largest file is ~100 KB: reading it whole is simpler than a stream and as fast.
  return new Response(await readFile(served.path), { status: 200, headers });
}

async function variantsOf(path: string) {
  const found = await Promise.all(
    ENCODINGS.map(async (e) => {
      const stats = await statOrNull(path + e.suffix);
      return stats?.isFile() ? { ...e, stats } : null;
    }),
  );
  return found.filter((v) => v !== null);
}

/** The codings a client takes (RFC 9110 §12.5.3): q=0 refuses one; `*` stands for the rest. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  const refused = new Set<string>();
  let wildcard = false;
  for (const part of (header ?? '').split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const ok = q === undefined || Number(q.slice(2)) > 0;
    if (name === '*') wildcard = ok;
    else (ok ? accepted : refused).add(name);
  }
  if (wildcard) for (const e of ENCODINGS) if (!refused.has(e.name)) accepted.add(e.name);
  return accepted;
}

/** If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2). */
function notModified(c: Context, etag: string, mtime: Date): boolean {
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    // Weak comparison: a W/ prefix on the client's copy does not matter for GET.
    const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const since = Date.parse(c.req.header('if-modified-since') ?? '');
  // HTTP dates have whole seconds; the file's mtime has milliseconds.
  return Number.isFinite(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}
