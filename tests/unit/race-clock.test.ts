import { describe, expect, it } from 'vitest';
import { estimateClockOffset, estimateFromSamples, latencyMs, type ClockSample } from '../../src/lib/race/clock.ts';

describe('clock offset', () => {
  it('keeps the sample with the smallest round trip: offset = serverNow − (t0 + t1) / 2, ± RTT / 2', () => {
    const samples: ClockSample[] = [
      { t0: 1000, serverNow: 1080, t1: 1040 }, // RTT 40
      { t0: 2000, serverNow: 2053, t1: 2006 }, // RTT 6: the one to trust
      { t0: 3000, serverNow: 3100, t1: 3100 }, // RTT 100, wildly asymmetric
    ];
    expect(estimateFromSamples(samples)).toEqual({ offsetMs: 50, uncertaintyMs: 3, rttMs: 6, samples: 3 });
  });

  it('the first of equally quick samples wins, and a clock running backwards is ignored', () => {
    const samples: ClockSample[] = [
      { t0: 10, serverNow: 5, t1: 2 }, // t1 < t0
      { t0: 100, serverNow: 112, t1: 104 },
      { t0: 200, serverNow: 230, t1: 204 },
    ];
    expect(estimateFromSamples(samples)).toMatchObject({ offsetMs: 10, rttMs: 4 });
  });

  it('has no estimate without samples', () => {
    expect(estimateFromSamples([])).toBeNull();
  });

  it('takes sequential samples and picks the quickest', async () => {
    // A server 250 ms ahead; round trips of 30, 2 and 12 ms (the reply is read halfway through).
    const rtts = [30, 2, 12];
    let browserNow = 5000;
    let inFlight = 0;
    const sample = async (): Promise<ClockSample> => {
      inFlight++;
      expect(inFlight).toBe(1); // never two round trips at once
      const rtt = rtts.shift()!;
      const t0 = browserNow;
      const serverNow = t0 + rtt / 2 + 250;
      browserNow += rtt;
      await Promise.resolve();
      inFlight--;
      return { t0, serverNow, t1: browserNow };
    };
    const estimate = await estimateClockOffset(sample, 3);
    expect(estimate).toEqual({ offsetMs: 250, uncertaintyMs: 1, rttMs: 2, samples: 3 });
  });

  it('latency moves the browser receive time onto the server clock before subtracting `at`', () => {
    // The server is 250 ms ahead: an event published at server 10_250 and received at browser
    // 10_004 took 4 ms, not −246.
    expect(latencyMs(10_004, 10_250, { offsetMs: 250 })).toBe(4);
    expect(latencyMs(10_004, 9_990, { offsetMs: -10 })).toBe(4);
  });
});
