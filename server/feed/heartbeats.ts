/**
 * Something that needs a periodic tick for as long as its connection lives: a WebSocket's
 * keep-alive ping, an SSE stream's heartbeat comment.
 */
export interface Beating {
  /** Called about once a period; a throw is logged and the others still beat. */
  beat(): void;
}

/**
 * One timer for every connection that beats at the same period, instead of a setInterval (a
 * Timeout and a closure) per connection: 10,000 sockets are 10,000 entries of one Map, visited
 * by one sweep. The sweep runs four times a period, so an item beats between one period and
 * 1.25 periods after the previous beat (or after it joined), never sooner. The timer only runs
 * while items are registered, and never keeps the process alive.
 */
export class Heartbeats {
  /**
   * Each item's next beat, in ms after `base` (when the timer started): a small integer, which
   * V8 keeps in the table itself, where an epoch time would be a 16-byte box per connection.
   */
  private readonly due = new Map<Beating, number>();
  private base = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly periodMs: number) {}

  get size(): number {
    return this.due.size;
  }

  add(item: Beating): void {
    const now = Date.now();
    if (!this.timer) this.base = now;
    this.due.set(item, now - this.base + this.periodMs);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(10, this.periodMs / 4));
    this.timer.unref();
  }

  delete(item: Beating): void {
    this.due.delete(item);
    if (this.due.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = Date.now() - this.base;
    for (const [item, at] of this.due) {
      if (at > now) continue;
      this.due.set(item, now + this.periodMs);
      try {
        item.beat();
      } catch (error) {
        console.error('BUG: a heartbeat threw:', error);
      }
    }
  }
}

const shared = new Map<number, Heartbeats>();

/** The process's one sweep for this period (servers and transports share it). */
export function heartbeatsEvery(periodMs: number): Heartbeats {
  let heartbeats = shared.get(periodMs);
  if (!heartbeats) shared.set(periodMs, (heartbeats = new Heartbeats(periodMs)));
  return heartbeats;
}
