// One /ws/inspect connection and what the server recorded of it: the raw handshake and every
// frame both ways. The handshake viewer, the Accept calculator and the frame inspector share one
// (sharedCapture), so demos on the same page always show the same connection.

import { decodeFrame, type DecodeResult } from '../../protocol/frame-codec.ts';
import type { InspectHello, InspectReply } from '../../protocol/inspect.ts';
import { serverVerdict } from '../page/server-probe.ts';
import { fromBase64, socketUrl } from './bytes.ts';

export type CaptureStatus = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

export interface CapturedFrame {
  index: number;
  direction: 'in' | 'out';
  raw: Uint8Array;
  decoded: DecodeResult;
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** A harmless cookie set before connecting, so the reader sees cookies ride along. */
const DEMO_COOKIE = 'demo=hello; path=/; SameSite=Lax';
/** After a ping, the browser's pong is not visible to the page: look for it this often. */
const PONG_POLL_MS = [100, 250, 500, 1000, 2000];

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class InspectCapture {
  status = $state<CaptureStatus>('idle');
  /** The server's id for this connection (from its first message). */
  id = $state<string | null>(null);
  request = $state.raw<Uint8Array | null>(null);
  response = $state.raw<Uint8Array | null>(null);
  /** Frames both ways, in the order the server's socket saw them. Raw: never deep-proxied. */
  frames = $state.raw<CapturedFrame[]>([]);
  droppedFrames = $state(0);
  closeInfo = $state<CloseInfo | null>(null);
  /** Why the connection or a fetch failed, for the reader (English or Chinese is up to the UI). */
  failure = $state<'connect' | 'fetch' | null>(null);
  /** The site has no server behind it (a static host): nothing to connect to, say so. */
  absent = $state(false);
  /** When the bytes shown come from a recording (no server here): its date. Null when live. */
  replayRecordedAt = $state<string | null>(null);
  /** Counts connections, so views can tell a reconnect from more frames. */
  generation = $state(0);

  #socket: WebSocket | null = null;
  #next = 0;
  #refreshing: Promise<void> | null = null;
  #again = false;

  /** Opens a fresh connection (closing any current one): new key, new capture. */
  connect(): void {
    this.#socket?.close(1000, 'reconnect');
    document.cookie = DEMO_COOKIE;
    this.status = 'connecting';
    this.id = null;
    this.request = this.response = null;
    this.frames = [];
    this.droppedFrames = 0;
    this.closeInfo = null;
    this.failure = null;
    this.#next = 0;
    this.generation++;
    const generation = this.generation;
    const socket = new WebSocket(socketUrl('/ws/inspect', location.origin));
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    const current = () => generation === this.generation;
    socket.onopen = () => current() && (this.status = 'open');
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (!current()) return;
      if (this.id === null && typeof event.data === 'string') {
        const hello = JSON.parse(event.data) as InspectHello;
        this.id = hello.id;
      }
      // The echo arrived, so both the reader's frame and the echo are recorded by now.
      void this.refresh();
    };
    socket.onerror = () => current() && this.id === null && (this.failure = 'connect');
    socket.onclose = (event) => {
      if (!current()) return;
      this.status = 'closed';
      this.closeInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      // Both close frames have crossed the server's socket by the time onclose fires.
      void this.refresh();
    };
  }

  /** Shows a recorded connection (scripts/record-inspect.ts) where no server can give a live one. */
  replay(recording: { recordedAt: string; reply: InspectReply }): void {
    const { reply } = recording;
    this.request = fromBase64(reply.request);
    this.response = fromBase64(reply.response);
    this.frames = reply.frames.map((f): CapturedFrame => {
      const raw = fromBase64(f.base64);
      return { index: f.index, direction: f.direction, raw, decoded: decodeFrame(raw) };
    });
    this.droppedFrames = reply.droppedFrames;
    this.replayRecordedAt = recording.recordedAt;
    this.generation++;
  }

  /** Sends a text or binary message; false when the socket is not open. */
  send(data: string | Uint8Array): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(data);
    return true;
  }

  /** Asks the server to ping; the browser's automatic pong is recorded, not shown to the page. */
  async ping(): Promise<boolean> {
    if (this.id === null || this.status !== 'open') return false;
    const response = await fetch(`/api/inspect/${this.id}/ping`, { method: 'POST' });
    if (!response.ok) return false;
    const before = this.frames.length;
    for (const ms of PONG_POLL_MS) {
      await wait(ms);
      await this.refresh();
      if (this.frames.slice(before).some((f) => f.direction === 'in')) break;
    }
    return true;
  }

  /** Starts the closing handshake; returns the browser's error message when it refuses the code. */
  close(code: number, reason: string): string | null {
    if (!this.#socket) return null;
    try {
      this.#socket.close(code, reason);
      this.status = 'closing';
      return null;
    } catch (error) {
      // close(1001) is refused: only 1000 and 3000–4999 are open to pages (InvalidAccessError).
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  /** Fetches the frames recorded since the last fetch; concurrent calls coalesce into one more. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#fetchOnce();
      } while (this.#again);
    })().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #fetchOnce(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    try {
      const response = await fetch(`/api/inspect/${id}?since=${this.#next}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const reply = (await response.json()) as InspectReply;
      if (id !== this.id) return; // a reconnect happened meanwhile
      if (this.request === null && reply.request) this.request = fromBase64(reply.request);
      if (this.response === null && reply.response) this.response = fromBase64(reply.response);
      const fresh = reply.frames
        .filter((f) => f.index >= this.#next)
        .map((f): CapturedFrame => {
          const raw = fromBase64(f.base64);
          return { index: f.index, direction: f.direction, raw, decoded: decodeFrame(raw) };
        });
      if (fresh.length > 0) {
        this.frames = [...this.frames, ...fresh];
        this.#next = fresh[fresh.length - 1]!.index + 1;
      }
      this.droppedFrames = reply.droppedFrames;
      this.failure = null;
    } catch {
      this.failure = 'fetch';
    }
  }
}

let shared: InspectCapture | null = null;

/** The page's one inspected connection, opened by whichever demo needs it first (once the server is known to be there). */
export function sharedCapture(): InspectCapture {
  if (shared) return shared;
  const capture = (shared = new InspectCapture());
  // Asked once per page: on a static host the demos show a notice, not "closed 1006".
  void serverVerdict().then((verdict) => {
    if (verdict === 'absent') capture.absent = true;
    else if (capture.status === 'idle') capture.connect();
  });
  return capture;
}
