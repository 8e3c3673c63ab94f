import type { FeedSocketMessage } from '../../protocol/feed.ts';
import { BaseTransport } from './base.ts';
import { nowMs } from './types.ts';

/**
 * Fetch streaming: one `fetch` whose body is read as it arrives (`ReadableStream` piped through
 * `TextDecoderStream`), one JSON message per line. Unlike EventSource nothing reconnects for us:
 * when the body ends or breaks we back off and fetch again from our cursor.
 */
export class FetchStreamTransport extends BaseTransport {
  readonly name = 'fetch-stream' as const;
  private controller: AbortController | null = null;

  protected open(): void {
    void this.read((this.controller = new AbortController()));
  }

  protected close(): void {
    this.controller?.abort();
    this.controller = null;
  }

  private async read(controller: AbortController): Promise<void> {
    let openedAt = 0;
    try {
      const response = await fetch(this.url(this.path), { signal: controller.signal, cache: 'no-store' });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      openedAt = nowMs();
      this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: openedAt, endedAt: null, events: 0 });
      this.setStatus('live');
      let partial = '';
      for await (const text of response.body.pipeThrough(new TextDecoderStream()) as unknown as AsyncIterable<string>) {
        const receivedAt = nowMs();
        const lines = (partial + text).split('\n');
        partial = lines.pop()!; // an unfinished line waits for the next chunk
        for (const line of lines) if (line) this.receive(JSON.parse(line) as FeedSocketMessage, receivedAt);
      }
    } catch {
      // aborted by stop(), refused, or cut: the retry below (unless stopped) resumes from our cursor
    }
    if (openedAt) this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: openedAt, endedAt: nowMs(), events: 0 });
    if (this.running && this.controller === controller) this.retryLater(() => this.open());
  }
}
