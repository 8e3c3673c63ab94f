// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import svelte from '@astrojs/svelte';

// The API server (server/main.ts) listens on API_PORT (default 8080) during `npm run dev`;
// Astro's dev server proxies the API and the WebSockets to it, so pages use relative URLs
// in development and in production alike.
const apiTarget = `http://127.0.0.1:${process.env.API_PORT ?? 8080}`;

export default defineConfig({
  output: 'static',
  // 'always' would make the dev server answer /api/… (no slash) with its own 404 before the proxy.
  trailingSlash: 'ignore',
  integrations: [svelte(), mdx()],
  markdown: {
    shikiConfig: { themes: { light: 'github-light', dark: 'github-dark' }, wrap: false },
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
