import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { dechunk } from './stream-parsers.ts';

// Raw HTTP over net.Socket, for the hostile suite: byte-exact requests that no well-behaved
// client library would send (bad targets, half heads, dripped bodies), and clients that never
// read. WebSocket framing by hand is in hostile-ws.ts.

export interface RawResponse {
  status: number;
  statusLine: string;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** The first HTTP response in `bytes` (Content-Length, chunked or until-close body), or null. */
export function parseResponse(bytes: Buffer): RawResponse | null {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let rest = bytes.subarray(headEnd + 4);
  if (headers['content-length'] !== undefined) rest = rest.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) rest = dechunk(rest);
  return { status: Number(statusLine.split(' ')[1]), statusLine, headers, body: rest.toString('utf8') };
}

export interface RequestSpec {
  method?: string;
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Default: "Host: 127.0.0.1" is added unless a Host header (or null) is given. */
  host?: string | null;
}

/** An HTTP/1.1 request as bytes, exactly as written (no normalisation of the target). */
export function requestBytes({ method = 'GET', target, headers = {}, body, host = '127.0.0.1' }: RequestSpec): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`];
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (host !== null && !names.includes('host')) lines.push(`Host: ${host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined && !names.includes('content-length') && !names.includes('transfer-encoding')) {
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, Buffer.from(body)]);
}

export interface ConnectOptions {
  host?: string;
  /** Bind the client side to this address (127.0.0.2 is a second client address on loopback). */
  localAddress?: string;
}

/**
 * A TCP connection that records everything it receives and when the server closed it. The
 * receiving side can be paused (a client that stops reading) and resumed.
 */
export class RawConnection {
  readonly socket: net.Socket;
  /** Bytes received so far (cheap: no copy). */
  receivedBytes = 0;
  private chunks: Buffer[] = [];
  private joined: Buffer | null = Buffer.alloc(0);
  readonly connectedAt: number;
  /** performance.now() when the server's FIN/RST arrived, or null while open. */
  closedAt: number | null = null;
  error: NodeJS.ErrnoException | null = null;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  private waiters = new Set<() => void>();

  constructor(port: number, { host = '127.0.0.1', localAddress }: ConnectOptions = {}) {
    this.connectedAt = performance.now();
    this.socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.connected.catch(() => {});
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.receivedBytes += chunk.length;
      this.joined = null;
      this.wake();
    });
    this.socket.on('error', (error) => {
      this.error = error;
    });
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.closedAt ??= performance.now();
        this.wake();
        resolve();
      };
      this.socket.once('end', done);
      this.socket.once('close', done);
    });
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Everything received so far, as one Buffer (joined on demand). */
  get received(): Buffer {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.chunks);
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  /** The last `bytes` bytes received, as latin1 text (cheap, for progress checks on big streams). */
  tailText(bytes = 4096): string {
    const parts: Buffer[] = [];
    let have = 0;
    const source = this.joined ?? null;
    const chunks = source ? [source] : this.chunks;
    for (let i = chunks.length - 1; i >= 0 && have < bytes; i--) {
      parts.unshift(chunks[i]!);
      have += chunks[i]!.length;
    }
    const joined = Buffer.concat(parts);
    return joined.subarray(Math.max(0, joined.length - bytes)).toString('latin1');
  }

  /** The first response received so far (null until its head is complete). */
  get response(): RawResponse | null {
    return parseResponse(this.received);
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  get isClosed(): boolean {
    return this.closedAt !== null;
  }

  /** Resolves when `check` holds (re-tested on every chunk and on close), rejects after `timeoutMs`. */
  until<T>(check: () => T, timeoutMs = 5000, what = 'data'): Promise<NonNullable<T>> {
    return new Promise((resolve, reject) => {
      const test = () => {
        const value = check();
        if (!value) return false;
        this.waiters.delete(test);
        clearTimeout(timer);
        resolve(value as NonNullable<T>);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(test);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${this.receivedBytes} bytes: ${JSON.stringify(this.text.slice(0, 300))}`));
      }, timeoutMs);
      if (!test()) this.waiters.add(test);
    });
  }

  /** Waits for the server to close the connection; resolves with ms since connect, or null on timeout. */
  async waitClosed(timeoutMs = 5000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const result = await Promise.race([this.closed.then(() => this.closedAt! - this.connectedAt), timedOut]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface Exchange {
  response: RawResponse | null;
  raw: Buffer;
  /** The server closed the connection (within the wait). */
  closedByServer: boolean;
  /** ms from connect until the server closed, or null. */
  closedAfterMs: number | null;
}

/**
 * Sends `bytes` on a fresh connection and waits until the server closes it (or `waitMs` passes,
 * or, with `untilResponse`, a complete response has arrived).
 */
export async function rawExchange(
  port: number,
  bytes: string | Buffer,
  {
    waitMs = 3000,
    untilResponse = false,
    headResponse = false,
    ...connect
  }: ConnectOptions & {
    waitMs?: number;
    /** Return as soon as one complete response arrived instead of waiting for the close. */
    untilResponse?: boolean;
    /** The response to a HEAD request: its head is all of it, whatever Content-Length says. */
    headResponse?: boolean;
  } = {},
): Promise<Exchange> {
  const connection = new RawConnection(port, connect);
  try {
    await connection.connected;
    await connection.write(bytes);
    if (untilResponse) {
      await connection
        .until(() => {
          const response = connection.response;
          if (!response) return connection.isClosed;
          if (headResponse) return true;
          const length = response.headers['content-length'];
          return length === undefined || Buffer.byteLength(response.body) >= Number(length) || connection.isClosed;
        }, waitMs)
        .catch(() => {});
    } else await connection.waitClosed(waitMs);
    return {
      response: connection.response,
      raw: connection.received,
      closedByServer: connection.isClosed,
      closedAfterMs: connection.closedAt === null ? null : connection.closedAt - connection.connectedAt,
    };
  } finally {
    connection.destroy();
  }
}

/** The `{"error":{"code","message"}}` body, or null when the body is not that shape. */
export function errorOf(response: RawResponse | null): { code: string; message: string } | null {
  if (!response) return null;
  try {
    const parsed = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? { code, message } : null;
  } catch {
    return null;
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inBatches<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) results[index] = await task(index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;
