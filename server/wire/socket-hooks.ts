// Where the ledger sees bytes: inside each server socket's own read and write paths.
import { Socket } from 'node:net';

/** What watches one socket's bytes (wire/connection-tap.ts). */
export interface ByteTap {
  /** It met bytes it cannot make sense of: the socket is no longer counted (see `guarded`). */
  broken: boolean;
  incoming(chunk: Buffer): void;
  outgoing(chunk: Buffer): void;
}

/** The tap of a socket, on the socket itself: the hooks below are shared functions, not closures. */
const TAP = Symbol('connection tap');
type TappedSocket = SocketInternals & { [TAP]?: ByteTap };

export const tapOf = (socket: Socket): ByteTap | undefined => (socket as TappedSocket)[TAP];

/** A hooked socket's tap handed over to another (an upgraded connection's leaner one). */
export function replaceTap(socket: Socket, tap: ByteTap): void {
  (socket as TappedSocket)[TAP] = tap;
}

/**
 * The tap runs inside the socket's own read and write paths, where a throw would take the whole
 * process down: a meter that meets bytes it cannot make sense of stops counting that socket
 * (loudly, since it is our bug) and the bytes flow on.
 */
function guarded(tap: ByteTap, direction: 'incoming' | 'outgoing', chunk: Buffer): void {
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

const SOCKET_PROTOTYPE = Socket.prototype as SocketInternals;
const SOCKET_PUSH = SOCKET_PROTOTYPE.push;
const SOCKET_WRITE = SOCKET_PROTOTYPE._write;
const SOCKET_WRITEV = SOCKET_PROTOTYPE._writev!;

const asBuffer = (data: Buffer | string, encoding: BufferEncoding) =>
  typeof data === 'string' ? Buffer.from(data, encoding) : data;

/**
 * Sees every byte in both directions. Incoming bytes all pass `push` (the readable side);
 * outgoing ones all pass `_write`/`_writev` (the writable side), whoever writes them: Node's
 * HTTP server, Hono's streaming, or `ws` after an upgrade. The replacements are shared
 * functions that find the tap on the socket (`this`), so a socket costs no closures.
 */
export function hookSocketBytes(plain: Socket, tap: ByteTap): void {
  const socket = plain as TappedSocket;
  // These are Node internals (stable from Node 12 to 24); if one changes, say so at once rather
  // than count nothing. startServer's self-check also proves the tap sees a real exchange. The
  // originals are net.Socket's own, so they are called from here rather than kept per socket.
  if (socket._write !== SOCKET_WRITE || socket._writev !== SOCKET_WRITEV || socket.push !== SOCKET_PUSH || !('_handle' in socket)) {
    throw new Error(`socket tap: Node ${process.version} changed net.Socket internals (_write/_writev/push/_handle); the ledger cannot count bytes`);
  }
  // Node's HTTP server reads a fresh socket's handle straight from C++ (`parser.consume`), which
  // bypasses `push`. Marking the handle consumed keeps reads in JavaScript, where we see them.
  if (socket._handle) socket._handle._consumed = true;

  socket[TAP] = tap;
  socket.push = tappedPush;
  socket._write = tappedWrite;
  socket._writev = tappedWritev;
}

function tappedPush(this: TappedSocket, chunk: unknown, encoding?: BufferEncoding): boolean {
  const tap = this[TAP]!;
  if (chunk) guarded(tap, 'incoming', Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
  return SOCKET_PUSH.call(this, chunk, encoding);
}

function tappedWrite(this: TappedSocket, data: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
  const tap = this[TAP]!;
  guarded(tap, 'outgoing', asBuffer(data, encoding));
  return SOCKET_WRITE.call(this, data, encoding, callback);
}

function tappedWritev(this: TappedSocket, chunks: WritableChunk[], callback: (error?: Error | null) => void): void {
  const tap = this[TAP]!;
  for (const { chunk, encoding } of chunks) guarded(tap, 'outgoing', asBuffer(chunk, encoding));
  return SOCKET_WRITEV.call(this, chunks, callback);
}
