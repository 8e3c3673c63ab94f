import { describe, expect, it } from 'vitest';
import { parseCursor } from '../../src/protocol/cursor.ts';
import { Channel, type ChannelLimits, type Page } from '../../server/feed/channel.ts';

const channelWithClock = (limits: Partial<ChannelLimits> = {}) => {
  const clock = { now: 1_000_000 };
  const channel = new Channel('test', { maxEvents: 5, maxAgeMs: 1000, maxBytes: 1 << 20, ...limits }, () => clock.now, 'run1');
  return { channel, clock };
};
const seqs = (page: Page) => page.events.map((stored) => stored.event.seq);
/** A reader's page from a cursor text, as the transports compute it. */
const read = (channel: Channel, after: string | null, maxBytes = 1 << 20) =>
  channel.page(channel.startOf(after === null ? null : parseCursor(after)), maxBytes);

describe('Channel', () => {
  it('numbers events from 1 without gaps and stamps them with the server clock', () => {
    const { channel, clock } = channelWithClock();
    const first = channel.publish({ a: 1 });
    clock.now += 10;
    const second = channel.publish({ a: 2 });
    expect([first.seq, second.seq, second.at - first.at]).toEqual([1, 2, 10]);
  });

  it('delivers the events after a cursor, and names the next cursor with its run', () => {
    const { channel } = channelWithClock();
    for (let i = 0; i < 4; i++) channel.publish(i);
    expect(read(channel, 'run1-2')).toMatchObject({ cursor: 'run1-4', resync: false, more: false });
    expect(seqs(read(channel, 'run1-2'))).toEqual([3, 4]);
    expect(seqs(read(channel, 'run1-4'))).toEqual([]);
    expect(seqs(read(channel, '0'))).toEqual([1, 2, 3, 4]);
    expect(read(channel, null)).toMatchObject({ cursor: 'run1-4', resync: false, events: [] });
  });

  it('answers a start point taken before a new run (restart) with a resync from the new run\'s oldest event', () => {
    const { channel } = channelWithClock();
    for (let i = 0; i < 4; i++) channel.publish(i);
    const start = channel.startOf({ feedId: 'run1', seq: 4 }); // a long poll, held…
    channel.restart('run2'); // …while the channel begins a new run (its Redis lost its data)
    channel.publish('a');
    channel.publish('b');
    const page = channel.page(start, 1 << 20);
    expect(page.resync).toBe(true);
    expect(page.events.map((stored) => stored.event.data)).toEqual(['a', 'b']);
    expect(page.cursor).toBe('run2-2');
  });

  it('keeps only the newest maxEvents, and asks a reader behind them to resync', () => {
    const { channel } = channelWithClock();
    for (let i = 0; i < 8; i++) channel.publish(i);
    expect(seqs(read(channel, 'run1-3'))).toEqual([4, 5, 6, 7, 8]);
    expect(read(channel, 'run1-3').resync).toBe(false); // seq 4 is still held: nothing missed
    expect(read(channel, 'run1-2')).toMatchObject({ resync: true, cursor: 'run1-8' });
    expect(seqs(read(channel, 'run1-2'))).toEqual([4, 5, 6, 7, 8]);
  });

  it('keeps at most maxBytes of events, but always the newest one', () => {
    const { channel } = channelWithClock({ maxEvents: 100, maxBytes: 300 });
    for (let i = 0; i < 10; i++) channel.publish('x'.repeat(50)); // ~100 bytes of JSON each
    expect(seqs(read(channel, '0'))).toEqual([8, 9, 10]);
    channel.publish('y'.repeat(1000));
    expect(seqs(read(channel, '0'))).toEqual([11]);
  });

  it('drops events older than maxAgeMs, and resyncs a reader that missed them', () => {
    const { channel, clock } = channelWithClock();
    channel.publish('old');
    clock.now += 1500;
    channel.publish('new');
    expect(seqs(read(channel, '0'))).toEqual([2]);
    expect(read(channel, '0').resync).toBe(true);
    expect(read(channel, 'run1-1').resync).toBe(false);
  });

  it('resyncs a cursor from another run (a restart), from the future, or without a run', () => {
    const { channel } = channelWithClock();
    channel.publish(1);
    channel.publish(2);
    for (const cursor of ['other-1', 'run1-50', '1']) {
      expect(read(channel, cursor), cursor).toMatchObject({ resync: true, cursor: 'run1-2' });
      expect(seqs(read(channel, cursor))).toEqual([1, 2]);
    }
  });

  it('pages a long backlog by bytes, always making progress', () => {
    const { channel } = channelWithClock({ maxEvents: 100 });
    for (let i = 0; i < 10; i++) channel.publish('x'.repeat(100));
    const first = read(channel, '0', 350);
    expect(seqs(first)).toEqual([1, 2]);
    expect(first).toMatchObject({ cursor: 'run1-2', more: true });
    const tiny = read(channel, 'run1-2', 1);
    expect(seqs(tiny)).toEqual([3]);
    expect(read(channel, 'run1-9', 350)).toMatchObject({ cursor: 'run1-10', more: false });
  });

  it('encodes each event once, as the JSON every reader is sent', () => {
    const { channel } = channelWithClock();
    const event = channel.publish({ price: 1.5 });
    const stored = channel.eventAt(1)!;
    expect(stored.json).toBe(JSON.stringify(event));
    expect(stored.bytes).toBe(Buffer.byteLength(stored.json));
  });

  it('wakes a waiter on the next event, and times out or aborts cleanly', async () => {
    const { channel } = channelWithClock();
    const woken = channel.waitForNewer(0, 10_000);
    channel.publish('x');
    await expect(woken).resolves.toBe(true);
    await expect(channel.waitForNewer(1, 10)).resolves.toBe(false);
    const controller = new AbortController();
    const aborted = channel.waitForNewer(1, 10_000, [controller.signal]);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    expect(channel.subscriberCount).toBe(0);
  });

  it('keeps publishing to the others when one listener throws', () => {
    const { channel } = channelWithClock();
    const seen: number[] = [];
    const quiet = console.error;
    console.error = () => {};
    try {
      channel.subscribe(() => {
        throw new Error('a broken reader');
      });
      channel.subscribe((stored) => seen.push(stored.event.seq));
      channel.publish('x');
    } finally {
      console.error = quiet;
    }
    expect(seen).toEqual([1]);
  });

  it('cuts its readers at once: a disconnectable reader is disconnected, a held poll is woken, a plain listener stays', () => {
    const { channel } = channelWithClock();
    const calls: string[] = [];
    channel.add({ wake: () => calls.push('stream woken'), disconnect: () => calls.push('stream disconnected') });
    channel.add({ wake: (stored) => calls.push(stored === undefined ? 'poll answered' : 'poll woken by an event') });
    channel.subscribe(() => calls.push('listener'));
    expect(channel.disconnectReaders()).toBe(2);
    expect(calls).toEqual(['stream disconnected', 'poll answered']);
    expect(channel.subscriberCount).toBe(1);
    channel.publish({});
    expect(calls.at(-1)).toBe('listener');
  });
});
