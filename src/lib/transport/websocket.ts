import type { FeedSocketMessage } from '../../protocol/feed.ts';
import { BaseTransport } from './base.ts';
import { nowMs } from './types.ts';

/** One WebSocket; after an unexpected close it reconnects with backoff from its cursor. */
export class WebSocketTransport extends BaseTransport {
  readonly name = 'websocket' as const;
  private socket: WebSocket | null = null;

  protected open(): void {
    const url = new URL(this.url(this.path), location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = (this.socket = new WebSocket(url));
    let openedAt = 0;
    socket.onopen = () => {
      openedAt = nowMs();
      this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: openedAt, endedAt: null, events: 0 });
      this.setStatus('live');
    };
    socket.onmessage = (message) => {
      const receivedAt = nowMs();
      this.receive(JSON.parse(message.data as string) as FeedSocketMessage, receivedAt);
    };
    socket.onclose = () => {
      if (openedAt) this.callbacks.onExchange?.({ transport: this.name, kind: 'connection', startedAt: openedAt, endedAt: nowMs(), events: 0 });
      if (this.running && this.socket === socket) this.retryLater(() => this.open());
    };
  }

  protected close(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
  }
}
