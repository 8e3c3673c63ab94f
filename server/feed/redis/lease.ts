import type { Redis } from 'ioredis';

/**
 * A lease in Redis (`SET key owner NX PX ttl`, renewed every ttl/3): at most one instance
 * runs a channel's producer. When the holder dies, its lease expires and another instance's
 * next attempt takes it, so a producer is back within about 4/3 ttl. `onChange` is called
 * when this instance gains or loses it; a holder that cannot reach Redis for a whole ttl
 * gives it up (someone else may hold it by then).
 */
export class Lease {
  private timer: NodeJS.Timeout | null = null;
  private held = false;
  private busy = false;
  private renewedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly onChange: (held: boolean) => void,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.attempt(), Math.max(50, this.ttlMs / 3));
    this.timer.unref();
    void this.attempt();
  }

  /** Stops trying, and gives the lease back if held (best effort: else it expires). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.held) return;
    this.set(false);
    this.redis.leaseRelease(this.key, this.owner).catch(() => {});
  }

  private async attempt(): Promise<void> {
    if (this.busy || !this.timer) return;
    this.busy = true;
    try {
      const ok = this.held
        ? (await this.redis.leaseRenew(this.key, this.owner, this.ttlMs)) === 1
        : (await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX')) === 'OK';
      if (ok) this.renewedAt = Date.now();
      if (this.timer) this.set(ok);
    } catch {
      if (this.held && Date.now() - this.renewedAt >= this.ttlMs) this.set(false);
    } finally {
      this.busy = false;
    }
  }

  private set(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    try {
      this.onChange(held);
    } catch (error) {
      console.error('BUG: lease holder threw:', error);
    }
  }
}
