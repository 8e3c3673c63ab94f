import { loadConfig, type ConfigInput } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/server.ts';

/** A real server on a free port with a fast ticker; always close it in `finally`/`afterAll`. */
export async function startTestServer(overrides: ConfigInput = {}): Promise<RunningServer> {
  return startServer(loadConfig({ port: 0, tickerIntervalMs: 50, staticDir: 'dist', ...overrides }));
}

/** Creates a private channel through the real API. */
export async function createChannel(baseUrl: string, body: { intervalMs: number; payloadBytes: number; durationMs: number }): Promise<string> {
  const response = await fetch(`${baseUrl}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST /api/channels: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { channel: string }).channel;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns truthy or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
