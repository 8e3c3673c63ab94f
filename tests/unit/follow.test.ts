import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Channel, type StoredEvent } from '../../server/feed/channel.ts';
import { follow, type FeedSink } from '../../server/feed/follow.ts';

/**
 * A sink that behaves like a socket whose peer reads only when told to: every event adds its
 * bytes to `unsent`, `read()` empties it and emits 'drain' as Node does.
 */
class PausedPeer implements FeedSink {
  unsentBytes = 0;
  readonly starts: { cursor: string; resync: boolean }[] = [];
  readonly seqs: number[] = [];
  slow = 0;
  private readonly emitter = new EventEmitter();

  start(cursor: string, resync: boolean) {
    this.starts.push({ cursor, resync });
  }
  event(stored: StoredEvent) {
    this.seqs.push(stored.event.seq);
    this.unsentBytes += stored.bytes;
  }
  onDrain(callback: () => void) {
    this.emitter.once('drain', callback);
    return () => this.emitter.off('drain', callback);
  }
  tooSlow() {
    this.slow++;
  }
  read() {
    this.unsentBytes = 0;
    this.emitter.emit('drain');
  }
}

const channel = (maxEvents = 1000) => new Channel('c', { maxEvents, maxAgeMs: 60_000, maxBytes: 1 << 30 }, Date.now, 'run');
const limits = { maxUnsentBytes: 500, slowConsumerMs: 1000 };

describe('follow', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the backlog, then live events, in order with no gap or duplicate, pausing at the cap', () => {
    const feed = channel();
    for (let i = 0; i < 20; i++) feed.publish(i);
    const peer = new PausedPeer();
    const stop = follow(feed, { feedId: 'run', seq: 5 }, peer, limits);
    expect(peer.starts).toEqual([{ cursor: 'run-5', resync: false }]);
    expect(peer.seqs.length).toBeLessThan(15); // stopped at the cap, not the whole backlog
    for (let i = 0; i < 10; i++) {
      feed.publish('live');
      peer.read();
    }
    expect(peer.seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    stop();
    expect(feed.subscriberCount).toBe(0);
  });

  it('starts over with resync when the reader fell out of the buffer while paused', () => {
    const feed = channel(10);
    const peer = new PausedPeer();
    follow(feed, null, peer, { ...limits, maxUnsentBytes: 1 });
    for (let i = 0; i < 30; i++) feed.publish(i); // the peer takes one, then is full
    peer.read();
    expect(peer.starts.at(-1)).toEqual({ cursor: 'run-20', resync: true });
    expect(peer.seqs[0]).toBe(1);
    expect(peer.seqs[1]).toBe(21);
  });

  it('tells a reader stuck at the cap that it is too slow, and releases everything', () => {
    vi.useFakeTimers();
    const feed = channel();
    const peer = new PausedPeer();
    follow(feed, { feedId: null, seq: 0 }, peer, limits);
    for (let i = 0; i < 20; i++) feed.publish('x'.repeat(100));
    vi.advanceTimersByTime(999);
    expect(peer.slow).toBe(0);
    vi.advanceTimersByTime(1);
    expect(peer.slow).toBe(1);
    expect(feed.subscriberCount).toBe(0);
    peer.read(); // a late drain finds nothing to resume
    expect(peer.seqs.length).toBeLessThan(20);
  });

  it('releases the subscription, the drain listener and the timer when stopped mid-wait', () => {
    vi.useFakeTimers();
    const feed = channel();
    const peer = new PausedPeer();
    const stop = follow(feed, { feedId: null, seq: 0 }, peer, limits);
    for (let i = 0; i < 20; i++) feed.publish('x'.repeat(100));
    stop();
    expect(feed.subscriberCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const before = peer.seqs.length;
    peer.read();
    feed.publish('after stop');
    expect(peer.seqs.length).toBe(before);
  });

  it('treats a cursor from another run as lost', () => {
    const feed = channel();
    feed.publish(1);
    const peer = new PausedPeer();
    follow(feed, { feedId: 'old', seq: 1 }, peer, limits);
    expect(peer.starts).toEqual([{ cursor: 'run-0', resync: true }]);
    expect(peer.seqs).toEqual([1]);
  });
});
