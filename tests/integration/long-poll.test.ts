import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollReply } from '../../src/protocol/feed.ts';
import type { RunningServer } from '../../server/server.ts';
import { createChannel, startTestServer, waitFor } from '../helpers/server.ts';

describe('long-poll', () => {
  let server: RunningServer;
  let idleChannel: string;
  beforeAll(async () => {
    server = await startTestServer();
    // One event, then silence: a channel where a long poll can only time out.
    idleChannel = await createChannel(server.url, { intervalMs: 20, payloadBytes: 0, durationMs: 20 });
    await waitFor(() => server.feed.get(idleChannel)!.latestSeq === 1);
  });
  afterAll(() => server.close());

  it('answers with no events when the timeout passes', async () => {
    const started = performance.now();
    const cursor = server.feed.get(idleChannel)!.cursorAt(1);
    const response = await fetch(`${server.url}/api/long-poll?channel=${idleChannel}&after=${cursor}&timeout=300`);
    const reply = (await response.json()) as PollReply;
    expect(reply).toEqual({ events: [], cursor, resync: false });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers as soon as an event newer than the cursor exists', async () => {
    const channel = await createChannel(server.url, { intervalMs: 200, payloadBytes: 0, durationMs: 400 });
    const reply = (await (await fetch(`${server.url}/api/long-poll?channel=${channel}&after=0&timeout=5000`)).json()) as PollReply;
    expect(reply.events.map((e) => e.seq)).toEqual([1]);
  });

  it('frees its waiter at once when the client goes away', async () => {
    const channel = server.feed.get(idleChannel)!;
    const controller = new AbortController();
    const poll = fetch(`${server.url}/api/long-poll?channel=${idleChannel}&after=${channel.cursorAt(1)}&timeout=50000`, { signal: controller.signal });
    await waitFor(() => channel.subscriberCount === 1, 5000, 'the poll to be held');
    controller.abort();
    await expect(poll).rejects.toThrow();
    await waitFor(() => channel.subscriberCount === 0, 2000, 'the waiter to be freed');
    expect(server.ledger.stats(null).transports['long-poll'].openConnections).toBe(0);
  });
});
