import type { PollReply } from '../../protocol/feed.ts';
import { BaseTransport } from './base.ts';
import { nowMs } from './types.ts';

/** Shared loop of the two polling clients: request, deliver, wait `pauseMs`, repeat. */
export abstract class PollingTransport extends BaseTransport {
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  protected abstract extraParams(): Record<string, string | number>;
  /** Pause between a reply and the next request. */
  protected abstract readonly pauseMs: number;

  protected open(): void {
    void this.poll();
  }

  protected close(): void {
    this.controller?.abort();
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    const controller = (this.controller = new AbortController());
    const exchange = { transport: this.name, kind: 'request' as const, startedAt: nowMs(), endedAt: null as number | null, events: 0 };
    this.callbacks.onExchange?.(exchange);
    try {
      const response = await fetch(this.url(this.path, this.extraParams()), { signal: controller.signal, cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const reply = (await response.json()) as PollReply;
      const receivedAt = nowMs();
      this.callbacks.onExchange?.({ ...exchange, endedAt: receivedAt, events: reply.events.length });
      // Stopped, or stopped and started again (a page hidden and shown): a newer loop owns the feed.
      if (!this.running || this.controller !== controller) return;
      this.setStatus('live');
      if (reply.resync) this.resync();
      for (const event of reply.events) this.deliver(event, receivedAt);
      this.moveTo(reply.cursor);
      // A reply cut at the server's page size: the rest is ready now.
      this.timer = setTimeout(() => void this.poll(), reply.more ? 0 : this.pauseMs);
    } catch {
      this.callbacks.onExchange?.({ ...exchange, endedAt: nowMs(), failed: true });
      if (this.running && this.controller === controller) this.retryLater(() => void this.poll());
    }
  }
}
