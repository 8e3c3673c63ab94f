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

const incomingFrames = new WeakMap<Socket, FrameMeter>();

/** When the frame a client is sending began (epoch ms), or 0: the server cuts frames dripped too slowly. */
export function incomingFrameStartedAt(socket: Socket): number {
  return incomingFrames.get(socket)?.frameStartedAt ?? 0;
}

interface Exchange {
  account: LedgerAccount;
  method: string;
  upgrade: boolean;
  route: Route;
  requestHead: Buffer;
}

/** What the next bytes in one direction are: an HTTP head, a body, or WebSocket frames. */
type StreamState = 'head' | 'body' | 'frames';

/**
 * Watches every byte a server socket reads and writes, and files each one in exactly one
 * bucket of the ledger: request head, response head, payload, or framing. It reads the raw
 * stream itself, so the figures are the wire's, not an estimate from parsed headers.
 */
export function tapConnection(socket: Socket, ledger: Ledger, classify: Classify, budget: RecordBudget): void {
  const other = ledger.account(null, 'other');
  const inHead = new HeadReader();
  const outHead = new HeadReader();
  const pending: Exchange[] = []; // requests whose response has not started, in order
  const open = new Set<Exchange>(); // requests whose response has not finished
  let inState: StreamState = 'head';
  let outState: StreamState = 'head';
  let inExchange: Exchange | null = null;
  let outExchange: Exchange | null = null;
  let inBody: BodyMeter | null = null;
  let outBody: BodyMeter | null = null;
  let inFrames: FrameMeter | null = null;
  let outFrames: FrameMeter | null = null;

  const file = (account: LedgerAccount, counts: ByteCounts, framesField: 'framesIn' | 'framesOut') => {
    account.add('payloadBytes', counts.payload);
    account.add('framingBytes', counts.framing);
    account.add(framesField, counts.frames);
  };

  const finish = (exchange: Exchange) => {
    if (open.delete(exchange)) exchange.account.add('openConnections', -1);
  };

  const onRequestHead = (head: ParsedHead) => {
    const [method = '', target = '/'] = head.startLine.split(' ');
    const route = classify(method, target);
    const account = ledger.account(route.client, route.category);
    const upgrade = /websocket/i.test(head.headers.get('upgrade') ?? '');
    const exchange: Exchange = { account, method, upgrade, route, requestHead: head.raw };
    account.add('requests', 1);
    account.add('requestHeaderBytes', head.raw.length);
    account.add('openConnections', 1);
    pending.push(exchange);
    open.add(exchange);
    inExchange = exchange;
    if (upgrade) {
      // After an upgrade request the client's next bytes are frames (RFC 6455 §4.1).
      inState = 'frames';
      inFrames = new FrameMeter(route.recordFrames ? (raw) => keepFrame(record(socket), budget, 'in', raw) : undefined);
      incomingFrames.set(socket, inFrames);
      return;
    }
    inBody = new BodyMeter(bodyKindOf(head.headers, 'none'));
    inState = inBody.done ? 'head' : 'body';
  };

  const onResponseHead = (head: ParsedHead) => {
    const status = Number(head.startLine.split(' ')[1]);
    if (status >= 100 && status < 200 && status !== 101) {
      (pending[0]?.account ?? other).add('responseHeaderBytes', head.raw.length);
      return; // informational: the real response follows
    }
    const exchange = pending.shift() ?? null;
    outExchange = exchange;
    (exchange?.account ?? other).add('responseHeaderBytes', head.raw.length);
    if (status === 101 && exchange) {
      const wire = record(socket);
      wire.requestHead = exchange.requestHead;
      wire.responseHead = head.raw;
      outState = 'frames';
      outFrames = new FrameMeter(exchange.route.recordFrames ? (raw) => keepFrame(wire, budget, 'out', raw) : undefined);
      return;
    }
    const noBody = exchange?.method === 'HEAD' || status === 204 || status === 304;
    outBody = new BodyMeter(noBody ? { kind: 'none' } : bodyKindOf(head.headers, 'until-close'));
    if (outBody.done) {
      if (exchange) finish(exchange);
      outState = 'head';
    } else outState = 'body';
  };

  const onIncoming = (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (inState === 'head') {
        const { used, head, overflow } = inHead.take(chunk, offset);
        offset += used;
        if (head) onRequestHead(head);
        if (overflow) {
          // Node answers 431 and closes; what follows belongs to no request.
          inState = 'body';
          inExchange = null;
          inBody = null;
        }
        continue;
      }
      const account = inExchange?.account ?? other;
      if (inState === 'frames') offset += inFrames!.take(chunk, offset, counts);
      else if (inBody && !inBody.done) {
        offset += inBody.take(chunk, offset, counts);
        if (inBody.done) inState = 'head';
      } else {
        counts.payload += chunk.length - offset; // bytes Node will reject anyway
        offset = chunk.length;
      }
      file(account, counts, 'framesIn');
    }
  };

  const onOutgoing = (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (outState === 'head') {
        const { used, head } = outHead.take(chunk, offset);
        offset += used;
        if (head) onResponseHead(head);
        continue;
      }
      const account = outExchange?.account ?? other;
      if (outState === 'frames') offset += outFrames!.take(chunk, offset, counts);
      else {
        offset += outBody!.take(chunk, offset, counts);
        if (outBody!.done) {
          if (outExchange) finish(outExchange);
          outState = 'head';
        }
      }
      file(account, counts, 'framesOut');
    }
  };

  socket.once('close', () => {
    // A head cut off by the close still crossed the wire.
    other.add('requestHeaderBytes', inHead.pendingBytes);
    other.add('responseHeaderBytes', outHead.pendingBytes);
    for (const exchange of [...open]) finish(exchange);
    const wire = wireRecordOf(socket);
    if (wire && !wire.adopted) budget.release(wire);
  });

  interceptSocketBytes(socket, total(onIncoming), total(onOutgoing));
}

/**
 * The tap runs inside the socket's own read and write paths, where a throw would take the whole
 * process down: a meter that meets bytes it cannot make sense of stops counting that socket
 * (loudly, since it is our bug) and the bytes flow on.
 */
function total(onBytes: (chunk: Buffer) => void): (chunk: Buffer) => void {
  let broken = false;
  return (chunk) => {
    if (broken) return;
    try {
      onBytes(chunk);
    } catch (error) {
      broken = true;
      console.error('BUG: socket tap stopped counting a connection:', error);
    }
  };
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
 * HTTP server, Hono's streaming, or `ws` after an upgrade.
 */
function interceptSocketBytes(socket: Socket, onIncoming: (chunk: Buffer) => void, onOutgoing: (chunk: Buffer) => void): void {
  const internals = socket as SocketInternals;
  // These are Node internals (stable from Node 12 to 24); if one changes, say so at once rather
  // than count nothing. startServer's self-check also proves the tap sees a real exchange.
  if (typeof internals._write !== 'function' || typeof socket.push !== 'function' || !('_handle' in socket)) {
    throw new Error(`socket tap: Node ${process.version} changed net.Socket internals (_write/push/_handle); the ledger cannot count bytes`);
  }
  // Node's HTTP server reads a fresh socket's handle straight from C++ (`parser.consume`), which
  // bypasses `push`. Marking the handle consumed keeps reads in JavaScript, where we see them.
  if (internals._handle) internals._handle._consumed = true;

  const push = socket.push;
  socket.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (chunk) onIncoming(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
    return push.call(this, chunk, encoding);
  };
  const write = internals._write;
  internals._write = function (data, encoding, callback) {
    onOutgoing(asBuffer(data, encoding));
    return write.call(this, data, encoding, callback);
  };
  const writev = internals._writev;
  if (writev) {
    internals._writev = function (chunks, callback) {
      for (const { chunk, encoding } of chunks) onOutgoing(asBuffer(chunk, encoding));
      return writev.call(this, chunks, callback);
    };
  }
}
