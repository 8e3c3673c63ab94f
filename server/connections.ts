// The server's own bookkeeping of each TCP connection, in one object, released when it ends.
import { Socket } from 'node:net';
import type { FairUse } from './guard/fair-use.ts';
import { untap } from './wire/connection-tap.ts';

const HOLDS = Symbol('connection holds');
type HoldingSocket = Socket & { [HOLDS]?: ConnectionHolds };

/**
 * What one TCP connection holds against its address's limits, released together when it
 * closes. One small object and shared functions, not a release closure and a listener per
 * hold: 10,000 WebSockets hold 10,000 of these.
 */
class ConnectionHolds {
  /** The address key of its connection slot (SOCKETS_PER_ADDRESS), while held. */
  socketSlot: string | null = null;
  /** The address of the stream slot its WebSocket holds (STREAMS_PER_ADDRESS), once admitted. */
  streamSlot: string | null = null;
  /** It carried a request (shutdown closes the others, browsers' spares, at once). */
  served = false;

  constructor(readonly book: ConnectionBook) {}
}

/** One server's connections: what every connection's holds refer to, shared rather than copied into each. */
export class ConnectionBook {
  /** Every open connection (shutdown, health). */
  readonly open = new Set<Socket>();

  constructor(
    readonly fairUse: FairUse,
    readonly tapped: boolean,
  ) {}

  /**
   * Starts tracking a new connection (the server's 'connection' listener calls this first). Its
   * holds are given back when it is destroyed, which every way a socket ends goes through (Node
   * emits a socket's 'close' from its `_destroy` alone), rather than from a 'close' listener: a
   * held HTTP response already puts Node's two there, and a third grows the list to 19 slots.
   */
  track(socket: Socket): void {
    (socket as HoldingSocket)[HOLDS] = new ConnectionHolds(this);
    this.open.add(socket);
    const internals = socket as SocketWithDestroy;
    // net.Socket's own `_destroy`, or (should Node ever change that) the 'close' event.
    if (internals._destroy === SOCKET_DESTROY) internals._destroy = destroyTracked;
    else socket.on('close', onConnectionClose);
  }
}

/** The connection slot of `address` is held by this connection until it closes. */
export function holdSocketSlot(socket: Socket, address: string): void {
  (socket as HoldingSocket)[HOLDS]!.socketSlot = address;
}

/** An admitted WebSocket's stream slot is held until its TCP connection closes (a failed handshake too). */
export function holdStreamSlot(socket: Socket, address: string): void {
  (socket as HoldingSocket)[HOLDS]!.streamSlot = address;
}

export function markServed(socket: Socket): void {
  const holds = (socket as HoldingSocket)[HOLDS];
  if (holds) holds.served = true;
}

export function wasServed(socket: Socket): boolean {
  return (socket as HoldingSocket)[HOLDS]?.served ?? false;
}

type SocketWithDestroy = Socket & { _destroy(error: Error | null, callback: (error?: Error | null) => void): void };
const SOCKET_DESTROY = (Socket.prototype as SocketWithDestroy)._destroy;

function destroyTracked(this: HoldingSocket & SocketWithDestroy, error: Error | null, callback: (error?: Error | null) => void): void {
  try {
    onConnectionClose.call(this);
  } catch (bug) {
    console.error('BUG: releasing a connection threw:', bug); // the socket is destroyed all the same
  }
  SOCKET_DESTROY.call(this, error, callback);
}

function onConnectionClose(this: HoldingSocket): void {
  const holds = this[HOLDS];
  if (!holds) return;
  this[HOLDS] = undefined;
  const { book } = holds;
  book.open.delete(this);
  if (holds.socketSlot !== null) book.fairUse.sockets.give(holds.socketSlot);
  if (holds.streamSlot !== null) book.fairUse.releaseStream(holds.streamSlot);
  if (book.tapped) untap(this);
}
