import { describe, expect, it } from 'vitest';
import { mean, percentile, percentileOfSorted, summarize } from '../../src/lib/race/stats.ts';

describe('race latency statistics', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([10, 20], 25)).toBe(12.5);
  });

  it('p95 of 1..100 lies between the 95th and 96th values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBeCloseTo(95.05, 10);
  });

  it('sorts its input and leaves it untouched', () => {
    const values = [9, 1, 5, 3, 7];
    expect(percentile(values, 50)).toBe(5);
    expect(values).toEqual([9, 1, 5, 3, 7]);
  });

  it('p0 is the minimum, p100 the maximum, a single value is every percentile', () => {
    expect(percentileOfSorted([2, 4, 8], 0)).toBe(2);
    expect(percentileOfSorted([2, 4, 8], 100)).toBe(8);
    expect(percentile([7], 37)).toBe(7);
  });

  it('has nothing to say about an empty sample', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(mean([])).toBeNaN();
    expect(summarize([])).toBeNull();
  });

  it('summarizes count, mean, p50, p95 and max', () => {
    const summary = summarize([4, 1, 3, 2, 100])!;
    expect(summary).toEqual({ count: 5, mean: 22, p50: 3, p95: percentile([1, 2, 3, 4, 100], 95), max: 100 });
    expect(summary.p95).toBeCloseTo(80.8, 10);
  });

  it('a uniform spread of waits over one poll interval has mean and median near half of it', () => {
    const waits = Array.from({ length: 1000 }, (_, i) => i + 0.5); // 0.5 … 999.5 ms
    const summary = summarize(waits)!;
    expect(summary.mean).toBeCloseTo(500, 6);
    expect(summary.p50).toBeCloseTo(500, 6);
    expect(summary.p95).toBeCloseTo(949.55, 6);
  });
});
