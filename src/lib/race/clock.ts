// How far the server's clock is from this browser's, so event-to-screen latency can be measured
// across two clocks. NTP's idea (RFC 5905 §8, Cristian's algorithm): ask for the server's time
// several times and trust the round trip that was quickest, because the less time the request
// spent in flight the less room there is for the server's reading to be off.

/** One round trip to `/api/time`: browser clock before (t0) and after (t1), server clock between. */
export interface ClockSample {
  t0: number;
  serverNow: number;
  t1: number;
}

export interface ClockEstimate {
  /** Add to a browser time to get server time: serverNow − (t0 + t1) / 2 of the best sample. */
  offsetMs: number;
  /** ±RTT/2 of the best sample: the server read its clock somewhere inside the round trip. */
  uncertaintyMs: number;
  rttMs: number;
  samples: number;
}

/** The estimate from the sample with the smallest round trip; null when there are no samples. */
export function estimateFromSamples(samples: readonly ClockSample[]): ClockEstimate | null {
  let best: ClockSample | null = null;
  for (const sample of samples) {
    if (sample.t1 < sample.t0) continue; // a clock that ran backwards: useless sample
    if (!best || sample.t1 - sample.t0 < best.t1 - best.t0) best = sample;
  }
  if (!best) return null;
  const rttMs = best.t1 - best.t0;
  return { offsetMs: best.serverNow - (best.t0 + best.t1) / 2, uncertaintyMs: rttMs / 2, rttMs, samples: samples.length };
}

/** Takes `rounds` sequential samples with `sample` and estimates the offset from them. */
export async function estimateClockOffset(sample: () => Promise<ClockSample>, rounds = 8): Promise<ClockEstimate> {
  const samples: ClockSample[] = [];
  // Sequential on purpose: parallel requests would queue behind each other and inflate RTTs.
  for (let i = 0; i < Math.max(1, rounds); i++) samples.push(await sample());
  return estimateFromSamples(samples)!;
}

/** Event-to-screen latency: the browser's receive time, moved onto the server's clock, minus `at`. */
export const latencyMs = (receivedAt: number, at: number, clock: Pick<ClockEstimate, 'offsetMs'>) => receivedAt + clock.offsetMs - at;
