import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Hono } from 'hono';
import { errorResponse } from './guard/errors.ts';
import { serveBuiltFiles } from './static-files.ts';

/**
 * The built Astro site. Unknown API paths get the JSON 404; unknown pages get the site's own
 * 404 page. Without a build, `/` says how to make one instead of failing silently.
 */
export function mountStaticSite(app: Hono, staticDir: string): void {
  const root = resolve(staticDir);
  // Read once at start-up: `npm start` builds before the server starts.
  const notFoundPath = join(root, '404.html');
  const notFoundPage = existsSync(notFoundPath) ? readFileSync(notFoundPath, 'utf8') : null;
  if (existsSync(root)) app.use('/*', serveBuiltFiles(root));
  // Reached only when the build is missing (serveBuiltFiles answers / from dist/index.html).
  app.get('/', (c) => c.text(`No built site in ${root}. Run "npm run build" (or "npm start", which builds when needed).\n`, 503));
  app.notFound((c) => {
    const path = c.req.path;
    if (path.startsWith('/api/') || path.startsWith('/ws/') || notFoundPage === null) {
      return errorResponse(c, 'not_found', `nothing at ${path}`);
    }
    // Not cached: the path may exist after the next deploy.
    return c.html(notFoundPage, 404, { 'Cache-Control': 'no-cache' });
  });
}
