import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../helpers/hostile-child.ts';
import { errorOf, inBatches, rawExchange, requestBytes } from '../helpers/hostile-raw.ts';
import { waitFor } from '../helpers/server.ts';

// `curl --http2` on http:// sends `Upgrade: h2c`. Node hands any Upgrade request to the
// 'upgrade' event, and nothing answered h2c: each such request left an open socket and a
// descriptor behind, forever (and shutdown waited its whole grace period for them). The server
// now serves them as the plain HTTP requests they also are (RFC 9110 §7.8) and closes.
const H2C = { Upgrade: 'h2c', Connection: 'Upgrade, HTTP2-Settings', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' };
const run = promisify(execFile);

describe('upgrades: h2c is served as plain HTTP and closed', () => {
  let server: ChildServer;
  let target: string;
  let plainBody: string;
  beforeAll(async () => {
    server = await startChildServer({}, { mode: 'main', env: { REQUESTS_PER_SECOND_PER_ADDRESS: '100000', TICKER_INTERVAL_MS: '50' } });
    // A channel that has ended: its short-poll reply is the same bytes every time.
    const created = await fetch(`${server.url}/api/channels`, { method: 'POST', body: JSON.stringify({ intervalMs: 20, payloadBytes: 32, durationMs: 100 }) });
    const { channel } = (await created.json()) as { channel: string };
    target = `/api/short-poll?channel=${channel}&after=0`;
    await waitFor(async () => ((await (await fetch(`${server.url}${target}`)).json()) as { events: unknown[] }).events.length === 5, 5000, 'the channel to end');
    plainBody = await (await fetch(`${server.url}${target}`)).text();
  });
  afterAll(() => server.kill());

  const openTcp = async () => ((await (await fetch(`${server.url}/api/health`, { headers: { Connection: 'close' } })).json()) as { connections: { tcp: number } }).connections.tcp;

  it('answers 200 h2c upgrades like plain requests and closes every socket; descriptors return to baseline', async () => {
    const baselineFds = server.fds();
    const baselineTcp = await openTcp();
    const outcomes = await inBatches(200, 25, () => rawExchange(server.port, requestBytes({ target, headers: H2C }), { waitMs: 5000 }));
    for (const outcome of outcomes) {
      expect(outcome.response?.status).toBe(200);
      expect(outcome.response?.body).toBe(plainBody);
      // The server closed the connection itself; the client never did.
      expect(outcome.closedByServer).toBe(true);
      expect(outcome.response?.headers.connection).toMatch(/close/i);
    }
    const closeTimes = outcomes.map((o) => o.closedAfterMs!).sort((a, b) => a - b);
    console.log(`h2c: 200 answered and closed by the server; slowest close ${closeTimes.at(-1)!.toFixed(0)} ms after connect`);
    const settledFds = await waitFor(() => (server.fds() <= baselineFds + 2 ? server.fds() : null), 5000, 'descriptors back to baseline').catch(() => server.fds());
    console.log(`server descriptors: ${baselineFds} before, ${settledFds} after 200 h2c requests`);
    expect(settledFds).toBeLessThanOrEqual(baselineFds + 2);
    expect(await openTcp()).toBe(baselineTcp);
  });

  it('answers HEAD with h2c with the head alone and closes', async () => {
    const outcome = await rawExchange(server.port, requestBytes({ method: 'HEAD', target, headers: H2C }), { waitMs: 5000 });
    expect(outcome.response?.status).toBe(200);
    expect(outcome.response?.body).toBe('');
    expect(outcome.closedByServer).toBe(true);
  });

  it('answers POST with h2c with 400 JSON and closes', async () => {
    const outcome = await rawExchange(
      server.port,
      requestBytes({ method: 'POST', target: '/api/channels', headers: H2C, body: JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 100 }) }),
      { waitMs: 5000 },
    );
    expect(outcome.response?.status).toBe(400);
    expect(errorOf(outcome.response)?.code).toBe('bad_request');
    expect(outcome.closedByServer).toBe(true);
  });

  it('answers h2c on a WebSocket path with 426 JSON and closes', async () => {
    const outcome = await rawExchange(server.port, requestBytes({ target: '/ws/echo', headers: H2C }), { waitMs: 5000 });
    expect(outcome.response?.status).toBe(426);
    expect(errorOf(outcome.response)?.code).toBe('upgrade_required');
    expect(outcome.closedByServer).toBe(true);
  });

  it('answers `curl --http2` (an h2c upgrade) with the plain reply', async () => {
    const started = performance.now();
    const { stdout } = await run('curl', ['-sS', '--http2', '--max-time', '5', '-w', '\n%{http_code} %{http_version}', `${server.url}${target}`]);
    const lines = stdout.split('\n');
    console.log(`curl --http2: ${lines.at(-1)} in ${(performance.now() - started).toFixed(0)} ms`);
    expect(lines.at(-1)).toBe('200 1.1');
    expect(lines.slice(0, -1).join('\n')).toBe(plainBody);
  });

  it('still shuts down quickly on SIGTERM after the h2c flood, with h2c requests in flight', async () => {
    // A few more, left for the shutdown to deal with.
    const inFlight = Array.from({ length: 20 }, () => rawExchange(server.port, requestBytes({ target: '/api/time', headers: H2C }), { waitMs: 5000 }));
    await Promise.all(inFlight);
    const tookMs = await server.stop();
    console.log(`SIGTERM to exit: ${tookMs.toFixed(0)} ms`);
    expect(await server.exited).toBe(0);
    // The grace period (SHUTDOWN_GRACE_MS, 3 s) is only spent waiting for connections that hang.
    expect(tookMs).toBeLessThan(2000);
  });
});
