import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../../src/protocol/feed.ts';
import { FEED_BACKENDS, type TestFeed } from '../helpers/feed-backends.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { createChannel, waitFor } from '../helpers/server.ts';

const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// With the Redis feed, the channel is created through the first instance and every transport
// reads it through every instance; a reader resumes through the other instance than it began on.
describe.each(FEED_BACKENDS)('delivery ($name feed)', ({ start }) => {
  let feed: TestFeed;
  beforeAll(async () => {
    feed = await start({ bufferMaxEvents: 1000 });
  });
  afterAll(() => feed.close());

  it('every transport on every instance delivers the same 200 events of a fast channel, in order, none lost or doubled', async () => {
    const channel = await createChannel(feed.servers[0]!.url, { intervalMs: 20, payloadBytes: 64, durationMs: 4000 });
    const readers = TRANSPORTS.flatMap((transport) =>
      feed.servers.map((server, index) => startReader(transport, { baseUrl: server.url, channel, client: `all-${transport}-${index}`, after: '0' })),
    );
    try {
      await waitFor(() => readers.every((r) => r.log.events.at(-1)?.seq === 200), 15_000, 'all readers at seq 200');
      const [first, ...rest] = readers.map((r) => r.log.events);
      expect(seqs(first!)).toEqual(oneTo(200));
      for (const events of rest) expect(events).toEqual(first);
      for (const reader of readers) expect(reader.log.resyncs).toBe(0);
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  });

  // Each case has a channel of its own, and mostly waits on the channel's clock: run them side by side.
  describe.concurrent.each(TRANSPORTS)('%s', (transport) => {
    it('resumes from its cursor after a dropped connection without losing or repeating an event', async () => {
      const [first, ...others] = feed.servers;
      const channel = await createChannel(first!.url, { intervalMs: 20, payloadBytes: 16, durationMs: 3000 });
      const options = { channel, client: `resume-${transport}` };
      const before = startReader(transport, { ...options, baseUrl: first!.url, after: '0' });
      await waitFor(() => before.log.events.length >= 30, 10_000, 'first 30 events');
      await before.stop();
      const last = first!.feed.get(channel)!.cursorAt(before.log.events.at(-1)!.seq);
      // SSE resumes the way EventSource does, with Last-Event-ID; the others with `after`.
      const resumeFrom = transport === 'sse' ? { lastEventId: last } : { after: last };
      const after = startReader(transport, { ...options, baseUrl: (others.at(-1) ?? first)!.url, ...resumeFrom });
      try {
        await waitFor(() => after.log.events.at(-1)?.seq === 150, 10_000, 'the rest of the events');
        expect(seqs([...before.log.events, ...after.log.events])).toEqual(oneTo(150));
      } finally {
        await after.stop();
      }
    });

    it('signals resync when the cursor is older than the buffer holds, then delivers what it has', async () => {
      const smallFeed = await start({ bufferMaxEvents: 20 });
      const small = smallFeed.servers[0]!;
      try {
        const channel = await createChannel(small.url, { intervalMs: 20, payloadBytes: 0, durationMs: 1000 });
        await waitFor(() => small.feed.get(channel)!.latestSeq >= 50, 5000, '50 events published');
        const latest = small.feed.get(channel)!.latestSeq;
        const reader = startReader(transport, { baseUrl: small.url, channel, client: `resync-${transport}`, after: '0' });
        try {
          await waitFor(() => reader.log.resyncs > 0 && reader.log.events.length >= 20, 5000, 'resync and buffer');
          expect(seqs(reader.log.events.slice(0, 20))).toEqual(oneTo(20).map((i) => latest - 20 + i));
        } finally {
          await reader.stop();
        }
      } finally {
        await smallFeed.close();
      }
    });
  });
});
