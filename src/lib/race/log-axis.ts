// Latency on a log axis. Push transports deliver in about a millisecond, polls in hundreds: on a
// linear 0–500 ms axis the push bars are thinner than a pixel (issue #11). Every decade gets the
// same width instead, so 0.5 ms and 500 ms are both seen and both readable.

/** Below this a latency is within clock error anyway; a log axis cannot reach 0 (or a negative). */
export const LOG_FLOOR_MS = 0.1;

/** A latency as drawn on the log axis: never below the floor. */
export const onLogAxis = (ms: number | null): number | null => (ms === null ? null : Math.max(LOG_FLOOR_MS, ms));

/** Only decades are labelled (0.1, 1, 10, 100, 1000 ms): Chart.js also ticks 2, 3, 5… which crowd. */
export function isDecade(value: number): boolean {
  if (!(value > 0)) return false;
  const exponent = Math.log10(value);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9;
}
