import type { FeedEvent, TransportName } from '../../protocol/feed.ts';
import { Backoff } from './backoff.ts';
import { nowMs, type TransportCallbacks, type TransportOptions, type TransportStatus } from './types.ts';

/**
 * What every client shares: the cursor (so a restart resumes without loss), de-duplication by
 * seq (so a replay after a reconnect never delivers twice), status reporting and backoff.
 */
export abstract class BaseTransport {
  abstract readonly name: TransportName;
  cursor: number | undefined;
  protected running = false;
  protected readonly backoff = new Backoff();
  private status: TransportStatus = 'stopped';

  constructor(
    protected readonly options: TransportOptions,
    protected readonly callbacks: TransportCallbacks,
  ) {
    this.cursor = options.after;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setStatus('connecting');
    this.open();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.close();
    this.setStatus('stopped');
  }

  protected abstract open(): void;
  protected abstract close(): void;

  protected url(path: string, extra: Record<string, string | number> = {}): string {
    const params = new URLSearchParams({ channel: this.options.channel, client: this.options.client });
    if (this.cursor !== undefined) params.set('after', String(this.cursor));
    for (const [key, value] of Object.entries(extra)) params.set(key, String(value));
    return `${this.options.baseUrl ?? ''}${path}?${params}`;
  }

  protected deliver(event: FeedEvent, receivedAt = nowMs()): boolean {
    if (this.cursor !== undefined && event.seq <= this.cursor) return false;
    this.cursor = event.seq;
    this.callbacks.onEvent(event, receivedAt);
    return true;
  }

  protected resync(cursor: number): void {
    // Start over from what the server still holds; the events before it are gone.
    this.cursor = undefined;
    this.callbacks.onResync?.(cursor);
  }

  protected setStatus(status: TransportStatus): void {
    if (status === 'live') this.backoff.reset();
    if (status === this.status) return;
    this.status = status;
    this.callbacks.onStatus?.(status);
  }

  /** Schedules `retry` after the next backoff delay, unless stopped meanwhile. */
  protected retryLater(retry: () => void): void {
    this.setStatus('retrying');
    const delay = this.backoff.next();
    setTimeout(() => this.running && retry(), delay);
  }
}
