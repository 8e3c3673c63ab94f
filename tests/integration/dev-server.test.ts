import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PollReply } from '../../src/protocol/feed.ts';
import { waitFor } from '../helpers/server.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('npm run dev', () => {
  it("serves the pages and proxies the API and WebSockets to the API server", { timeout: 90_000 }, async () => {
    const [apiPort, devPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/dev.mjs'], {
      env: { ...process.env, API_PORT: String(apiPort), DEV_PORT: String(devPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so the API server and Astro stop with it
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const base = `http://127.0.0.1:${devPort}`;
    try {
      await waitFor(() => output.includes(`:${devPort}`) && output.includes('Realtime explained'), 60_000, `both servers (${output})`);
      const page = await fetch(`${base}/en/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Realtime, visualized');

      const reply = (await (await fetch(`${base}/api/short-poll?after=0`)).json()) as PollReply;
      expect(reply).toHaveProperty('cursor');

      const echoed = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${devPort}/ws/echo`);
        ws.on('open', () => ws.send('through the proxy'));
        ws.on('message', (data) => (resolve(String(data)), ws.close()));
        ws.on('error', reject);
      });
      expect(echoed).toBe('Echo: through the proxy');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });
});
