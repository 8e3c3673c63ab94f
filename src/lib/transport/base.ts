import { formatCursor, parseCursor } from '../../protocol/cursor.ts';
import type { FeedEvent, FeedSocketMessage } from '../../protocol/feed.ts';
import { transportSpec, type TransportName } from '../../protocol/transports.ts';
import { Backoff } from './backoff.ts';
import { nowMs, type TransportCallbacks, type TransportOptions, type TransportStatus } from './types.ts';

/**
 * What every client shares: the cursor (so a restart resumes without loss), de-duplication by
 * seq (so a replay after a reconnect never delivers twice), status reporting and backoff.
 */
export abstract class BaseTransport {
  abstract readonly name: TransportName;
  /** The cursor ("<feed id>-<seq>") sent as `after`: where a reconnect resumes. */
  cursor: string | undefined;
  /** The seq of the last event delivered, for de-duplication; undefined accepts any. */
  private lastSeq: number | undefined;
  /** The channel run our cursor belongs to, learnt from the server's replies. */
  private feedId: string | null = null;
  protected running = false;
  protected readonly backoff = new Backoff();
  private status: TransportStatus = 'stopped';
  /** Bumped by stop(): a retry scheduled before a stop must not fire after a restart (a hidden page shown again). */
  private generation = 0;

  constructor(
    protected readonly options: TransportOptions,
    protected readonly callbacks: TransportCallbacks,
  ) {
    if (options.after !== undefined) this.moveTo(options.after);
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
    this.generation++;
    this.close();
    this.setStatus('stopped');
  }

  /** The endpoint, from the catalog. */
  protected get path(): string {
    return transportSpec(this.name).path;
  }

  protected abstract open(): void;
  protected abstract close(): void;

  protected url(path: string, extra: Record<string, string | number> = {}): string {
    const params = new URLSearchParams({ channel: this.options.channel, client: this.options.client });
    if (this.cursor !== undefined) params.set('after', String(this.cursor));
    for (const [key, value] of Object.entries(extra)) params.set(key, String(value));
    return `${this.options.baseUrl ?? ''}${path}?${params}`;
  }

  /** The server says where this reader stands (a poll reply's cursor, a stream's start). */
  protected moveTo(cursor: string): void {
    const position = parseCursor(cursor);
    if (!position) return;
    this.cursor = cursor;
    this.feedId = position.feedId;
    this.lastSeq = position.seq;
  }

  /** `cursor`, when given, is the event's own (SSE's `id:`); otherwise it is derived. */
  protected deliver(event: FeedEvent, receivedAt = nowMs(), cursor?: string): boolean {
    if (this.lastSeq !== undefined && event.seq <= this.lastSeq) return false;
    if (cursor !== undefined) this.moveTo(cursor);
    else {
      this.lastSeq = event.seq;
      if (this.feedId !== null) this.cursor = formatCursor(this.feedId, event.seq);
    }
    this.callbacks.onEvent(event, receivedAt);
    return true;
  }

  /** One message of a framed stream (a WebSocket message, a line of the fetch stream). */
  protected receive(message: FeedSocketMessage, receivedAt: number): void {
    if (message.type === 'event') this.deliver(message.event, receivedAt);
    else if (message.resync) this.resync(message.cursor);
    else this.moveTo(message.cursor);
  }

  /**
   * Our cursor was lost (too old, or from a run before a server restart): the events before
   * what the server still holds are gone. A stream says where it continues from (`from`); a
   * poll reply's events simply follow.
   */
  protected resync(from?: string): void {
    this.lastSeq = undefined;
    if (from !== undefined) this.moveTo(from);
    this.callbacks.onResync?.(from);
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
    const generation = this.generation;
    setTimeout(() => this.running && generation === this.generation && retry(), delay);
  }
}
