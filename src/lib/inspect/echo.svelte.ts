// The echo demo's connection to /ws/echo: what the reader sent and what came back, in order.

import { socketUrl } from './bytes.ts';
import type { CaptureStatus } from './capture.svelte.ts';

export interface EchoEntry {
  id: number;
  from: 'you' | 'server';
  at: number;
  text?: string;
  bytes?: Uint8Array;
}

const MAX_ENTRIES = 100;

export class EchoSession {
  status = $state<CaptureStatus>('idle');
  entries = $state.raw<EchoEntry[]>([]);
  #ws: WebSocket | null = null;
  #nextId = 1;

  connect(): void {
    this.#ws?.close(1000, 'reconnect');
    this.status = 'connecting';
    const ws = new WebSocket(socketUrl('/ws/echo', location.origin));
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => ws === this.#ws && (this.status = 'open');
    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (ws !== this.#ws) return;
      const data = event.data;
      this.#add(typeof data === 'string' ? { from: 'server', text: data } : { from: 'server', bytes: new Uint8Array(data) });
    };
    ws.onclose = () => ws === this.#ws && (this.status = 'closed');
  }

  send(data: string | Uint8Array): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(data);
    this.#add(typeof data === 'string' ? { from: 'you', text: data } : { from: 'you', bytes: data });
    return true;
  }

  dispose(): void {
    if (this.#ws && this.#ws.readyState < WebSocket.CLOSING) this.#ws.close(1000, 'page left');
  }

  #add(entry: Omit<EchoEntry, 'id' | 'at'>) {
    const entries = [...this.entries, { ...entry, id: this.#nextId++, at: Date.now() }];
    this.entries = entries.length > MAX_ENTRIES ? entries.slice(-MAX_ENTRIES) : entries;
  }
}
