import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';
import WebSocket from 'ws';
import type { FeedEvent, FeedSocketMessage, PollReply } from '../../src/protocol/feed.ts';
import type { RunningServer } from '../../server/server.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { sseBlocksOf, type SseBlock } from '../helpers/stream-parsers.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

// A server restart starts every channel's seq from 1 again. A reader that resumed with its old
// bare seq (after=41) used to be served "everything after 41" of the NEW run: it silently
// skipped the new run's first 41 events. Cursors now name the run ("<feed id>-<seq>"), so a
// cursor from the previous run is recognisably foreign and every transport says `resync` and
// starts from the oldest event it holds.

/** Reads an SSE stream until `enough` blocks arrived; returns them as parsed fields. */
async function readSse(url: string, headers: Record<string, string>, enough: number): Promise<SseBlock[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  let blocks: SseBlock[] = [];
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    expect(response.status).toBe(200);
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      blocks = sseBlocksOf(text);
      if (blocks.length >= enough) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return blocks;
}

/** Opens /ws/feed and collects messages until `enough` arrived. */
function readSocket(url: string, enough: number): Promise<FeedSocketMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: FeedSocketMessage[] = [];
    const ws = new WebSocket(url);
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`only ${messages.length} messages from ${url}`))), 5000);
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as FeedSocketMessage);
      if (messages.length === enough) {
        clearTimeout(timer);
        ws.close();
        resolve(messages);
      }
    });
    ws.on('error', reject);
  });
}

const poll = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as PollReply;
};

const feedIdOf = (cursor: string) => cursor.split('-')[0];
const seqOf = (cursor: string) => Number(cursor.split('-')[1]);

describe('restart: cursors from another run resync on every transport', () => {
  /** The cursors each transport ended with on server A. */
  const old = Object.fromEntries(TRANSPORTS.map((name) => [name, ''])) as Record<TransportName, string>;
  let oldFeedId = '';
  let b: RunningServer;
  let newFeedId = '';

  beforeAll(async () => {
    const a = await startTestServer();
    try {
      await waitFor(() => a.feed.get('ticker')!.latestSeq >= 4, 5000, 'a few events on A');
      // Each transport's own reader, as a client would hold its cursor after a few events.
      for (const name of TRANSPORTS) {
        const reader = startReader(name, { baseUrl: a.url, channel: 'ticker', client: `old-${name}`, after: '0' });
        await waitFor(() => reader.log.events.length >= 4 && reader.log.cursor, 5000, `${name} on A`);
        await reader.stop();
        old[name] = reader.log.cursor!;
      }
      oldFeedId = a.feed.get('ticker')!.feedId;
    } finally {
      await a.close();
    }
    b = await startTestServer();
    newFeedId = b.feed.get('ticker')!.feedId;
    // The new run gets well past the old cursors: a reader resuming at "after 8" would miss 1..8.
    const highest = Math.max(...Object.values(old).map(seqOf));
    await waitFor(() => b.feed.get('ticker')!.latestSeq >= highest + 5, 5000, 'the new run to pass the old cursors');
  });
  afterAll(() => b.close());

  it('takes real cursors of the old run from every transport', () => {
    expect(newFeedId).not.toBe(oldFeedId);
    for (const cursor of Object.values(old)) {
      expect(feedIdOf(cursor)).toBe(oldFeedId);
      expect(seqOf(cursor)).toBeGreaterThanOrEqual(1);
    }
  });

  const expectFromTheStart = (events: FeedEvent[]) => {
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  };

  it('answers a short poll with resync: true and the new run from seq 1', async () => {
    const reply = await poll(`${b.url}/api/short-poll?after=${old['short-poll']}`);
    expect(reply.resync).toBe(true);
    expectFromTheStart(reply.events);
    expect(feedIdOf(reply.cursor)).toBe(newFeedId);
  });

  it('answers a long poll at once with resync: true and the new run from seq 1', async () => {
    const started = performance.now();
    const reply = await poll(`${b.url}/api/long-poll?after=${old['long-poll']}&timeout=5000`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(reply.resync).toBe(true);
    expectFromTheStart(reply.events);
    expect(feedIdOf(reply.cursor)).toBe(newFeedId);
  });

  it.each([
    ['Last-Event-ID', true],
    ['after', false],
  ])('opens an SSE stream resumed with %s with `event: resync`, then the new run from seq 1', async (_how, withHeader) => {
    const url = withHeader ? `${b.url}/api/sse` : `${b.url}/api/sse?after=${old.sse}`;
    const blocks = await readSse(url, withHeader ? { 'Last-Event-ID': old.sse } : {}, 4);
    expect(blocks[0]).toEqual({ event: 'resync', data: JSON.stringify({ cursor: `${newFeedId}-0` }), id: `${newFeedId}-0` });
    const events = blocks.slice(1).map((block) => JSON.parse(block.data!) as FeedEvent);
    expectFromTheStart(events);
    expect(blocks.slice(1).map((block) => block.id)).toEqual(events.map((e) => `${newFeedId}-${e.seq}`));
  });

  it('starts a WebSocket with resync: true, then the new run from seq 1', async () => {
    const messages = await readSocket(`${b.url.replace('http', 'ws')}/ws/feed?after=${old.websocket}`, 4);
    expect(messages[0]).toEqual({ type: 'start', cursor: `${newFeedId}-0`, resync: true });
    expectFromTheStart(messages.slice(1).map((m) => (m as Extract<FeedSocketMessage, { type: 'event' }>).event));
  });

  it.each([
    ['a bare number', () => '3'],
    ['a cursor from the future', () => `${newFeedId}-${b.feed.get('ticker')!.latestSeq + 1000}`],
    ['a cursor of another channel run with a high seq', () => `${oldFeedId}-999999`],
  ])('resyncs %s on every transport', async (_what, cursorOf) => {
    const cursor = cursorOf();
    for (const name of TRANSPORTS) {
      const reader = startReader(name, { baseUrl: b.url, channel: 'ticker', client: `odd-${name}`, after: cursor });
      try {
        await waitFor(() => reader.log.resyncs > 0, 5000, `${name} to resync`);
      } finally {
        await reader.stop();
      }
    }
    expect((await readSse(`${b.url}/api/sse`, { 'Last-Event-ID': cursorOf() }, 1))[0]?.event).toBe('resync');
  });

  it.each(TRANSPORTS)('%s resumed with its cursor of the old run resyncs, then delivers the new run from seq 1', async (name) => {
    const reader = startReader(name, { baseUrl: b.url, channel: 'ticker', client: `resumed-${name}`, after: old[name] });
    try {
      await waitFor(() => reader.log.events.length >= 3, 5000, `${name} events of the new run`);
    } finally {
      await reader.stop();
    }
    expect(reader.log.resyncs).toBe(1);
    expectFromTheStart(reader.log.events);
    expect(feedIdOf(reader.log.cursor!)).toBe(newFeedId);
  });

  it("continues without resync from the new run's own cursor (the check is not a blanket resync)", async () => {
    const cursor = `${newFeedId}-3`;
    const reply = await poll(`${b.url}/api/short-poll?after=${cursor}`);
    expect(reply.resync).toBe(false);
    expect(reply.events[0]?.seq).toBe(4);
    const blocks = await readSse(`${b.url}/api/sse`, { 'Last-Event-ID': cursor }, 2);
    expect(blocks[0]).toEqual({ id: cursor });
    expect((JSON.parse(blocks[1]!.data!) as FeedEvent).seq).toBe(4);
    const messages = await readSocket(`${b.url.replace('http', 'ws')}/ws/feed?after=${cursor}`, 2);
    expect(messages[0]).toEqual({ type: 'start', cursor, resync: false });
  });
});
