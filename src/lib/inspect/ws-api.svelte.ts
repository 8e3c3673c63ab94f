// The browser API demo's live WebSocket to /ws/echo: readyState as it changes, every event in a
// timestamped log, and bufferedAmount sampled once per animation frame while it drains.

import type { Locale } from '../../i18n/ui.ts';
import { appendLog, type LogEntry, type LogKind } from './event-log.ts';
import { clip, formatCount, socketUrl } from './bytes.ts';
import { quoteReason } from './frame-notes.ts';
import type { InspectKey } from '../../i18n/inspect.ts';

/** 200 × 60 KiB: a burst the echo server accepts (it closes on messages over 64 KiB, 1009). */
export const BURST_COUNT = 200;
export const BURST_BYTES = 60 * 1024;

/** One reading of bufferedAmount, `t` in ms since the burst started. */
export interface BufferSample {
  t: number;
  bytes: number;
}
/** Enough animation frames for a slow drain (about 20 s at 60 fps) without growing forever. */
const MAX_SAMPLES = 1200;

export class ApiSession {
  /** null until the first `new WebSocket()`. */
  readyState = $state<number | null>(null);
  /** States this socket has been in, so the machine can light the path it took. */
  visited = $state<number[]>([]);
  log = $state.raw<LogEntry[]>([]);
  buffered = $state(0);
  peak = $state(0);
  echoedBytes = $state(0);
  /** bufferedAmount samples of the last burst, for the meter's history line. */
  samples = $state.raw<BufferSample[]>([]);
  readonly url: string;

  #ws: WebSocket | null = null;
  #sampling = false;
  #lang: Locale;

  constructor(origin: string, lang: Locale) {
    this.url = socketUrl('/ws/echo', origin);
    this.#lang = lang;
  }

  #note(kind: LogKind, key: InspectKey, values: Record<string, string | number> = {}) {
    this.log = appendLog(this.log, { at: Date.now(), kind, key, values });
  }

  #setState(state: number) {
    this.readyState = state;
    if (!this.visited.includes(state)) this.visited = [...this.visited, state];
  }

  connect(): void {
    if (this.#ws && this.#ws.readyState !== WebSocket.CLOSED) return;
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.visited = [];
    this.peak = this.buffered = this.echoedBytes = 0;
    this.samples = [];
    this.#setState(ws.readyState);
    this.#note('call', 'log.new', { url: this.url });
    ws.addEventListener('open', () => {
      this.#setState(ws.readyState);
      this.#note('open', 'log.open');
    });
    ws.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === 'string') {
        this.echoedBytes += new TextEncoder().encode(event.data).length;
        this.#note('message', 'log.message', { data: clip(event.data, 80) });
      } else {
        this.echoedBytes += event.data.byteLength;
        this.#note('message', 'log.messageBinary', { n: formatCount(event.data.byteLength, this.#lang) });
      }
    });
    ws.addEventListener('error', () => this.#note('error', 'log.error'));
    ws.addEventListener('close', (event) => {
      this.#setState(ws.readyState);
      this.#note('close', 'log.close', { code: event.code, reason: quoteReason(event.reason, this.#lang), clean: String(event.wasClean) });
    });
  }

  send(text: string): void {
    if (this.#ws?.readyState !== WebSocket.OPEN) return;
    this.#ws.send(text);
    this.#note('call', 'log.send', { data: clip(text, 80) });
  }

  /** Queues BURST_COUNT binary messages at once, then watches bufferedAmount drain. */
  burst(): void {
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    const chunk = Uint8Array.from({ length: BURST_BYTES }, (_, i) => i & 0xff);
    const start = performance.now();
    this.samples = [{ t: 0, bytes: ws.bufferedAmount }];
    for (let i = 0; i < BURST_COUNT; i++) ws.send(chunk);
    // Read at once: send() returned without waiting, so almost everything is still queued.
    this.buffered = ws.bufferedAmount;
    this.peak = Math.max(this.peak, this.buffered);
    this.samples = [...this.samples, { t: performance.now() - start, bytes: this.buffered }];
    this.#note('call', 'log.burst', { n: formatCount(this.buffered, this.#lang) });
    this.#sample(start);
  }

  close(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState >= WebSocket.CLOSING) return;
    ws.close(1000, 'done');
    this.#setState(ws.readyState);
    this.#note('call', 'log.closeCall');
  }

  /** Samples bufferedAmount and readyState every animation frame until the queue is empty. */
  #sample(start: number): void {
    if (this.#sampling) return;
    this.#sampling = true;
    const tick = () => {
      const ws = this.#ws;
      if (!ws) return void (this.#sampling = false);
      this.buffered = ws.bufferedAmount;
      this.peak = Math.max(this.peak, this.buffered);
      if (this.samples.length < MAX_SAMPLES) this.samples = [...this.samples, { t: performance.now() - start, bytes: this.buffered }];
      if (ws.readyState !== this.readyState) this.#setState(ws.readyState);
      // A closed socket keeps its bufferedAmount forever: stop there too.
      if (this.buffered > 0 && ws.readyState !== WebSocket.CLOSED) return void requestAnimationFrame(tick);
      this.#sampling = false;
      if (this.buffered === 0) this.#note('meter', 'log.drained', { n: formatCount(this.peak, this.#lang) });
    };
    requestAnimationFrame(tick);
  }

  /** Closes the socket when the demo goes away (page navigation). */
  dispose(): void {
    if (this.#ws && this.#ws.readyState < WebSocket.CLOSING) this.#ws.close(1000, 'page left');
  }
}
