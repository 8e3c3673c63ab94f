import type { FeedEvent } from '../../protocol/feed.ts';
import { BaseTransport } from './base.ts';
import { nowMs } from './types.ts';

/**
 * EventSource. It reconnects by itself after a dropped stream and sends Last-Event-ID, which the
 * server honours; if it gives up (readyState CLOSED, e.g. after an HTTP error) we back off and
 * open a new one from our cursor.
 */
export class SseTransport extends BaseTransport {
  readonly name = 'sse' as const;
  private source: EventSource | null = null;
  private openedAt = 0;

  protected open(): void {
    const source = (this.source = new EventSource(this.url(this.path)));
    source.onopen = () => {
      this.openedAt = nowMs();
      this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: this.openedAt, endedAt: null, events: 0 });
      this.setStatus('live');
    };
    // `id:` is the event's cursor, so EventSource's own reconnect (Last-Event-ID) and ours agree.
    source.onmessage = (message) => this.deliver(JSON.parse(message.data as string) as FeedEvent, nowMs(), message.lastEventId);
    source.addEventListener('resync', (message) => this.resync((JSON.parse((message as MessageEvent).data as string) as { cursor: string }).cursor));
    source.onerror = () => {
      if (!this.running) return;
      // Only a stream that opened has a connection to end (a refused one never started).
      if (this.openedAt) this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: this.openedAt, endedAt: nowMs(), events: 0 });
      this.openedAt = 0;
      if (source.readyState === EventSource.CLOSED) {
        this.retryLater(() => this.open());
      } else this.setStatus('retrying'); // EventSource is reconnecting on its own
    };
  }

  protected close(): void {
    this.source?.close();
    this.source = null;
  }
}
