import type { Socket } from 'node:net';
import type { Ledger, LedgerAccount, LedgerCategory } from './ledger.ts';
import { BodyMeter, bodyKindOf, FrameMeter, HeadReader, type ByteCounts, type ParsedHead } from './meters.ts';
import { keepFrame, record, wireRecordOf, type RecordBudget } from './recording.ts';

/** Where a request's bytes belong, decided from its request line alone. */
export interface Route {
  category: LedgerCategory;
  client: string | null;
  /** Keep the raw frames of this connection (the frame inspector's endpoint). */
  recordFrames: boolean;
}
export type Classify = (method: string, target: string) => Route;

/** The tap of a socket, on the socket itself: the hooks below are shared functions, not closures. */
const TAP = Symbol('connection tap');
type TappedSocket = SocketInternals & { [TAP]?: ConnectionTap };

/** When the frame a client is sending began (epoch ms), or 0: the server cuts frames dripped too slowly. */
export function incomingFrameStartedAt(socket: Socket): number {
  return (socket as TappedSocket)[TAP]?.inFrames?.frameStartedAt ?? 0;
}

interface Exchange {
  account: LedgerAccount;
  method: string;
  route: Route;
  /** Kept only for a connection whose frames are recorded (the handshake viewer shows it). */
  requestHead: Buffer | null;
  /** Its response has not finished: it counts as an open connection. */
  open: boolean;
}

/** What the next bytes in one direction are: an HTTP head, a body, or WebSocket frames. */
type StreamState = 'head' | 'body' | 'frames';

/**
 * Watches every byte a server socket reads and writes, and files each one in exactly one
 * bucket of the ledger: request head, response head, payload, or framing. It reads the raw
 * stream itself, so the figures are the wire's, not an estimate from parsed headers.
 */
export function tapConnection(socket: Socket, ledger: Ledger, classify: Classify, budget: RecordBudget): void {
  const tapped = socket as TappedSocket;
  tapped[TAP] = new ConnectionTap(tapped, ledger, classify, budget);
  interceptSocketBytes(tapped);
}

/**
 * One socket's metering state. Held for the connection's whole life (10,000 WebSockets mean
 * 10,000 of these), so it is one object with prototype methods, and its meters are made only
 * when their bytes come.
 */
class ConnectionTap {
  private readonly other: LedgerAccount;
  /** HTTP heads being read; null once the connection speaks WebSocket frames in that direction. */
  private inHead: HeadReader | null = new HeadReader();
  private outHead: HeadReader | null = new HeadReader();
  private readonly pending: Exchange[] = []; // requests whose response has not started, in order
  private inState: StreamState = 'head';
  private outState: StreamState = 'head';
  private inExchange: Exchange | null = null;
  private outExchange: Exchange | null = null;
  private inBody: BodyMeter | null = null;
  private outBody: BodyMeter | null = null;
  inFrames: FrameMeter | null = null;
  private outFrames: FrameMeter | null = null;
  /** A meter met bytes it cannot make sense of: this socket is no longer counted (see `guarded`). */
  broken = false;
  /** The socket's own write functions, called after counting. */
  write: SocketInternals['_write'] | null = null;
  writev: SocketInternals['_writev'] | null = null;
  push: Socket['push'] | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly ledger: Ledger,
    private readonly classify: Classify,
    private readonly budget: RecordBudget,
  ) {
    this.other = ledger.account(null, 'other');
  }

  private file(account: LedgerAccount, counts: ByteCounts, framesField: 'framesIn' | 'framesOut'): void {
    account.add('payloadBytes', counts.payload);
    account.add('framingBytes', counts.framing);
    account.add(framesField, counts.frames);
  }

  private finish(exchange: Exchange): void {
    if (!exchange.open) return;
    exchange.open = false;
    exchange.account.add('openConnections', -1);
  }

  private onRequestHead(head: ParsedHead): void {
    const [method = '', target = '/'] = head.startLine.split(' ');
    const route = this.classify(method, target);
    const account = this.ledger.account(route.client, route.category);
    const upgrade = /websocket/i.test(head.headers.get('upgrade') ?? '');
    const exchange: Exchange = { account, method, route, requestHead: route.recordFrames ? head.raw : null, open: true };
    account.add('requests', 1);
    account.add('requestHeaderBytes', head.raw.length);
    account.add('openConnections', 1);
    this.pending.push(exchange);
    this.inExchange = exchange;
    if (upgrade) {
      // After an upgrade request the client's next bytes are frames (RFC 6455 §4.1).
      this.inState = 'frames';
      this.inHead = null;
      this.inFrames = new FrameMeter(route.recordFrames ? (raw) => keepFrame(record(this.socket), this.budget, 'in', raw) : undefined);
      return;
    }
    this.inBody = new BodyMeter(bodyKindOf(head.headers, 'none'));
    this.inState = this.inBody.done ? 'head' : 'body';
  }

  private onResponseHead(head: ParsedHead): void {
    const status = Number(head.startLine.split(' ')[1]);
    if (status >= 100 && status < 200 && status !== 101) {
      (this.pending[0]?.account ?? this.other).add('responseHeaderBytes', head.raw.length);
      return; // informational: the real response follows
    }
    const exchange = this.pending.shift() ?? null;
    this.outExchange = exchange;
    (exchange?.account ?? this.other).add('responseHeaderBytes', head.raw.length);
    if (status === 101 && exchange) {
      this.outState = 'frames';
      this.outHead = null;
      // Only the frame inspector's connections keep their handshake and frames.
      if (!exchange.route.recordFrames) return void (this.outFrames = new FrameMeter());
      const wire = record(this.socket);
      wire.requestHead = exchange.requestHead ?? undefined;
      wire.responseHead = head.raw;
      this.outFrames = new FrameMeter((raw) => keepFrame(wire, this.budget, 'out', raw));
      return;
    }
    const noBody = exchange?.method === 'HEAD' || status === 204 || status === 304;
    this.outBody = new BodyMeter(noBody ? { kind: 'none' } : bodyKindOf(head.headers, 'until-close'));
    if (this.outBody.done) {
      if (exchange) this.finish(exchange);
      this.outState = 'head';
    } else this.outState = 'body';
  }

  incoming(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (this.inState === 'head') {
        const { used, head, overflow } = this.inHead!.take(chunk, offset);
        offset += used;
        if (head) this.onRequestHead(head);
        if (overflow) {
          // Node answers 431 and closes; what follows belongs to no request.
          this.inState = 'body';
          this.inExchange = null;
          this.inBody = null;
        }
        continue;
      }
      const account = this.inExchange?.account ?? this.other;
      if (this.inState === 'frames') offset += this.inFrames!.take(chunk, offset, counts);
      else if (this.inBody && !this.inBody.done) {
        offset += this.inBody.take(chunk, offset, counts);
        if (this.inBody.done) this.inState = 'head';
      } else {
        counts.payload += chunk.length - offset; // bytes Node will reject anyway
        offset = chunk.length;
      }
      this.file(account, counts, 'framesIn');
    }
  }

  outgoing(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (this.outState === 'head') {
        const { used, head } = this.outHead!.take(chunk, offset);
        offset += used;
        if (head) this.onResponseHead(head);
        continue;
      }
      const account = this.outExchange?.account ?? this.other;
      if (this.outState === 'frames') offset += this.outFrames!.take(chunk, offset, counts);
      else {
        offset += this.outBody!.take(chunk, offset, counts);
        if (this.outBody!.done) {
          if (this.outExchange) this.finish(this.outExchange);
          this.outState = 'head';
        }
      }
      this.file(account, counts, 'framesOut');
    }
  }

  closed(): void {
    // A head cut off by the close still crossed the wire.
    this.other.add('requestHeaderBytes', this.inHead?.pendingBytes ?? 0);
    this.other.add('responseHeaderBytes', this.outHead?.pendingBytes ?? 0);
    // Still open: requests not yet answered, and the response under way (an upgraded one never ends).
    for (const exchange of this.pending) this.finish(exchange);
    if (this.outExchange) this.finish(this.outExchange);
    const wire = wireRecordOf(this.socket);
    if (wire && !wire.adopted) this.budget.release(wire);
  }
}

/** Files what a closed socket left open or unfinished (its 'close' listener, server/connections.ts, calls this). */
export function untap(socket: Socket): void {
  (socket as TappedSocket)[TAP]?.closed();
}

/**
 * The tap runs inside the socket's own read and write paths, where a throw would take the whole
 * process down: a meter that meets bytes it cannot make sense of stops counting that socket
 * (loudly, since it is our bug) and the bytes flow on.
 */
function guarded(tap: ConnectionTap, direction: 'incoming' | 'outgoing', chunk: Buffer): void {
  if (tap.broken) return;
  try {
    tap[direction](chunk);
  } catch (error) {
    tap.broken = true;
    console.error('BUG: socket tap stopped counting a connection:', error);
  }
}

type WritableChunk = { chunk: Buffer | string; encoding: BufferEncoding };
type SocketInternals = Socket & {
  _handle?: { _consumed?: boolean } | null;
  _write(data: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void;
  _writev?(chunks: WritableChunk[], callback: (error?: Error | null) => void): void;
};

const asBuffer = (data: Buffer | string, encoding: BufferEncoding) =>
  typeof data === 'string' ? Buffer.from(data, encoding) : data;

/**
 * Sees every byte in both directions. Incoming bytes all pass `push` (the readable side);
 * outgoing ones all pass `_write`/`_writev` (the writable side), whoever writes them: Node's
 * HTTP server, Hono's streaming, or `ws` after an upgrade. The replacements are shared
 * functions that find the tap on the socket (`this`), so a socket costs no closures.
 */
function interceptSocketBytes(socket: TappedSocket): void {
  const tap = socket[TAP]!;
  // These are Node internals (stable from Node 12 to 24); if one changes, say so at once rather
  // than count nothing. startServer's self-check also proves the tap sees a real exchange.
  if (typeof socket._write !== 'function' || typeof socket.push !== 'function' || !('_handle' in socket)) {
    throw new Error(`socket tap: Node ${process.version} changed net.Socket internals (_write/push/_handle); the ledger cannot count bytes`);
  }
  // Node's HTTP server reads a fresh socket's handle straight from C++ (`parser.consume`), which
  // bypasses `push`. Marking the handle consumed keeps reads in JavaScript, where we see them.
  if (socket._handle) socket._handle._consumed = true;

  tap.push = socket.push;
  socket.push = tappedPush;
  tap.write = socket._write;
  socket._write = tappedWrite;
  if (socket._writev) {
    tap.writev = socket._writev;
    socket._writev = tappedWritev;
  }
}

function tappedPush(this: TappedSocket, chunk: unknown, encoding?: BufferEncoding): boolean {
  const tap = this[TAP]!;
  if (chunk) guarded(tap, 'incoming', Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
  return tap.push!.call(this, chunk, encoding);
}

function tappedWrite(this: TappedSocket, data: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
  const tap = this[TAP]!;
  guarded(tap, 'outgoing', asBuffer(data, encoding));
  return tap.write!.call(this, data, encoding, callback);
}

function tappedWritev(this: TappedSocket, chunks: WritableChunk[], callback: (error?: Error | null) => void): void {
  const tap = this[TAP]!;
  for (const { chunk, encoding } of chunks) guarded(tap, 'outgoing', asBuffer(chunk, encoding));
  return tap.writev!.call(this, chunks, callback);
}
