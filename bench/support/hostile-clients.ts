// Clients for bench/hostile.ts that misbehave on purpose: raw TCP sockets that send what they
// like, stop reading, or vanish mid-request. Loopback only: every target is the bench's own
// server on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** How much of a reply a raw client keeps to look at (the head and the first lines). */
const KEEP_BYTES = 16 * 1024;

/** One raw TCP connection: what it received (the start of it), and whether the server closed it. */
export class RawClient {
  private text = '';
  /** The server ended or reset the connection (seen only while reading). */
  endedByServer = false;
  closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      if (this.text.length < KEEP_BYTES) this.text += chunk.slice(0, KEEP_BYTES - this.text.length);
      this.wake();
    });
    socket.on('end', () => {
      this.endedByServer = true;
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get received(): string {
    return this.text;
  }

  /** The response's status code, once its status line has arrived (0 before). */
  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.text)?.[1] ?? 0);
  }

  get headComplete(): boolean {
    return this.text.includes('\r\n\r\n');
  }

  /** Resolves true when `condition` holds, false when `timeoutMs` passes or the socket closes first. */
  until(condition: (client: RawClient) => boolean, timeoutMs: number): Promise<boolean> {
    if (condition(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (condition(this)) finish(true);
        else if (this.closed) finish(false);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      this.waiters.add(check);
    });
  }

  private wake() {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The head of a GET with the headers given, as a client would send it. */
export function getRequest(port: number, target: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `GET ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A WebSocket handshake request (RFC 6455 §4.1). */
export const webSocketRequest = (port: number, target: string) =>
  getRequest(port, target, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
  });

/** POST with a JSON body on a connection of its own that closes (no pooled socket left on the server). */
export function postJson(url: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent: false, headers: { Connection: 'close', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
