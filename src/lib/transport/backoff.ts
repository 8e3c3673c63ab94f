/**
 * Exponential backoff with full jitter: the n-th retry waits a random time in
 * [0, min(cap, base·2ⁿ)], so a classroom of clients dropped at once doesn't reconnect in lockstep
 * (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 250,
    private readonly capMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
