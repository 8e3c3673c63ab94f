import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeats } from '../../server/feed/heartbeats.ts';

// The shared sweep behind WebSocket keep-alive pings and SSE heartbeats (fake timers: no timing).
describe('Heartbeats', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('beats each item once a period, never sooner, and stops its timer when empty', () => {
    const heartbeats = new Heartbeats(1000);
    const beats: string[] = [];
    const a = { beat: () => beats.push('a') };
    const b = { beat: () => beats.push('b') };
    heartbeats.add(a);
    vi.advanceTimersByTime(500);
    heartbeats.add(b);
    vi.advanceTimersByTime(499);
    expect(beats).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(beats).toEqual(['a']);
    vi.advanceTimersByTime(500);
    expect(beats).toEqual(['a', 'b']);
    heartbeats.delete(a);
    heartbeats.delete(b);
    expect(heartbeats.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps beating the others when one throws', () => {
    const heartbeats = new Heartbeats(100);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    let beats = 0;
    heartbeats.add({ beat: () => { throw new Error('boom'); } });
    heartbeats.add({ beat: () => void beats++ });
    vi.advanceTimersByTime(125);
    expect(beats).toBe(1);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });
});
