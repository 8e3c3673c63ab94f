// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import svelte from '@astrojs/svelte';
import { siteUrl } from './scripts/site-url.mjs';

// The API server (server/main.ts) listens on API_PORT (default 8080) during `npm run dev`;
// Astro's dev server proxies the API and the WebSockets to it, so pages use relative URLs
// in development and in production alike.
const apiTarget = `http://127.0.0.1:${process.env.API_PORT ?? 8080}`;

export default defineConfig({
  // Astro's content cache lives in this checkout, not in node_modules, so two checkouts that
  // share node_modules (git worktrees) never build from each other's lessons.
  cacheDir: './.cache/astro',
  output: 'static',
  // Canonical, hreflang and social-preview URLs must be absolute (SITE_URL, README "Settings").
  site: siteUrl(),
  // 'always' would make the dev server answer /api/… (no slash) with its own 404 before the proxy.
  trailingSlash: 'ignore',
  integrations: [svelte(), mdx()],
  markdown: {
    // The '-default' GitHub themes keep every token at WCAG AA on their background; the older
    // 'github-light'/'github-dark' had orange at 3.48:1 and dark comments at 3.05:1. No wrapping:
    // code scrolls sideways, so its indentation stays true.
    shikiConfig: { themes: { light: 'github-light-default', dark: 'github-dark-default' }, wrap: false },
  },
  server: { host: '127.0.0.1' },
  vite: {
    server: {
      proxy: {
        '/api': { target: apiTarget },
        '/ws': { target: apiTarget.replace('http', 'ws'), ws: true },
      },
    },
  },
});
