import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * The built pages' inline scripts (Astro's island loader), as CSP hashes: the policy then
 * allows exactly those and no other inline script. Read once at start-up from the build.
 */
export function inlineScriptHashes(staticDir: string): string[] {
  const hashes = new Set<string>();
  if (!existsSync(staticDir)) return [];
  for (const entry of readdirSync(staticDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.html')) continue;
    const html = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      hashes.add(`'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
    }
  }
  return [...hashes];
}

/**
 * Security headers (hono's secureHeaders). Pages get a CSP that allows what the site needs and
 * nothing else (its own scripts and the hashed inline loaders, WebAssembly for the Pagefind
 * search, connections to itself, WebSocket included), nosniff, a referrer policy, and no
 * framing by other sites; HSTS is left to the TLS proxy in front (README "Deploying"). API
 * replies are JSON that no browser renders, so they carry only nosniff: every header byte of a
 * poll reply is what the race measures, and a CSP there would protect nothing.
 */
export function securityHeaders(staticDir: string): MiddlewareHandler {
  const pageHeaders = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'wasm-unsafe-eval'", ...inlineScriptHashes(staticDir)],
      // Svelte and Astro emit scoped <style> blocks and style attributes.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'self'"],
    },
    referrerPolicy: 'strict-origin-when-cross-origin',
    xFrameOptions: 'SAMEORIGIN',
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    // A WebSocket route's headers would be copied onto its 101, which carries no content.
    if (c.req.path.startsWith('/ws/')) return next();
    if (!c.req.path.startsWith('/api/')) return pageHeaders(c, next);
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
  };
}
