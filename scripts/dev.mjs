// `npm run dev`: the API server (restarting on changes) plus Astro's dev server, which proxies
// /api and /ws (WebSocket too) to it (astro.config.mjs). Ctrl+C stops both.
// API_PORT (default 8080) and DEV_PORT (default 4321) choose the ports.
import { spawn } from 'node:child_process';

const apiPort = process.env.API_PORT ?? '8080';
const devPort = process.env.DEV_PORT ?? '4321';
const children = [
  spawn(process.execPath, ['--import', 'tsx', '--watch', 'server/main.ts'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: apiPort },
  }),
  spawn(process.execPath, ['node_modules/astro/astro.js', 'dev', '--port', devPort], {
    stdio: 'inherit',
    env: { ...process.env, API_PORT: apiPort },
  }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => (stop(), (process.exitCode ||= code ?? 0)));
