import { describe, expect, it } from 'vitest';
import { Channel } from '../../server/feed/channel.ts';

const channelWithClock = (limits = { maxEvents: 5, maxAgeMs: 1000 }) => {
  const clock = { now: 1_000_000 };
  return { channel: new Channel('test', limits, () => clock.now), clock };
};
const seqs = (reply: { events: { seq: number }[] }) => reply.events.map((e) => e.seq);

describe('Channel', () => {
  it('numbers events from 1 without gaps and stamps them with the server clock', () => {
    const { channel, clock } = channelWithClock();
    const first = channel.publish({ a: 1 });
    clock.now += 10;
    const second = channel.publish({ a: 2 });
    expect([first.seq, second.seq, second.at - first.at]).toEqual([1, 2, 10]);
  });

  it('delivers the events after a cursor', () => {
    const { channel } = channelWithClock();
    for (let i = 0; i < 4; i++) channel.publish(i);
    expect(channel.since(2)).toMatchObject({ cursor: 4, resync: false });
    expect(seqs(channel.since(2))).toEqual([3, 4]);
    expect(seqs(channel.since(4))).toEqual([]);
  });

  it('keeps only the newest maxEvents, and asks a reader behind them to resync', () => {
    const { channel } = channelWithClock();
    for (let i = 0; i < 8; i++) channel.publish(i);
    expect(seqs(channel.since(3))).toEqual([4, 5, 6, 7, 8]);
    expect(channel.since(3).resync).toBe(false); // seq 4 is still held: nothing missed
    expect(channel.since(2)).toMatchObject({ resync: true, cursor: 8 });
    expect(seqs(channel.since(2))).toEqual([4, 5, 6, 7, 8]);
  });

  it('drops events older than maxAgeMs, and resyncs a reader that missed them', () => {
    const { channel, clock } = channelWithClock();
    channel.publish('old');
    clock.now += 1500;
    channel.publish('new');
    expect(seqs(channel.since(0))).toEqual([2]);
    expect(channel.since(0).resync).toBe(true);
    expect(channel.since(1).resync).toBe(false);
  });

  it('treats a cursor from the future (a restarted server) as a resync', () => {
    const { channel } = channelWithClock();
    channel.publish(1);
    expect(channel.since(50)).toMatchObject({ resync: true, cursor: 1 });
  });

  it('wakes a waiter on the next event, and times out or aborts cleanly', async () => {
    const { channel } = channelWithClock();
    const woken = channel.waitForNewer(0, 10_000);
    channel.publish('x');
    await expect(woken).resolves.toBe(true);
    await expect(channel.waitForNewer(1, 10)).resolves.toBe(false);
    const controller = new AbortController();
    const aborted = channel.waitForNewer(1, 10_000, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    expect(channel.subscriberCount).toBe(0);
  });
});
