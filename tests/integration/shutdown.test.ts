import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PollReply } from '../../src/protocol/feed.ts';
import { createChannel, startTestServer, waitFor } from '../helpers/server.ts';

describe('shutdown', () => {
  it('closes WebSockets with 1001, ends SSE streams and answers held long polls', async () => {
    const server = await startTestServer();
    const idle = await createChannel(server.url, { intervalMs: 20, payloadBytes: 0, durationMs: 20 });
    await waitFor(() => server.feed.get(idle)!.latestSeq === 1);

    const socketClosed = new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/feed`);
      ws.on('close', (code) => resolve(code));
    });
    const sseEnded = fetch(`${server.url}/api/sse?channel=${idle}`).then(async (response) => {
      for await (const _chunk of response.body!);
      return 'ended';
    });
    const heldPoll = fetch(`${server.url}/api/long-poll?channel=${idle}&after=${server.feed.get(idle)!.cursorAt(1)}&timeout=50000`).then(
      async (response) => (await response.json()) as PollReply,
    );
    await waitFor(() => server.ledger.stats(null).transports['long-poll'].openConnections === 1 && server.feed.get(idle)!.subscriberCount === 2);
    await waitFor(() => server.ledger.stats(null).transports.websocket.openConnections === 1);

    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await socketClosed).toBe(1001);
    expect(await sseEnded).toBe('ended');
    expect(await heldPoll).toEqual({ events: [], cursor: server.feed.get(idle)!.cursorAt(1), resync: false });
  });

  it('the server process exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const url = await waitFor(() => /http:\/\/[\d.]+:\d+/.exec(output)?.[0], 15_000, 'the server to print its URL');
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/feed`);
    const closeCode = new Promise<number>((resolve) => ws.on('close', resolve));
    await new Promise((resolve) => ws.on('open', resolve));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await closeCode).toBe(1001);
    expect(await exited).toBe(0);
  });
});
