import type { Socket } from 'node:net';

// What the socket tap keeps of the connections whose route asks to record them (the frame
// inspector's `/ws/inspect`): the raw handshake and every frame, within a per-connection cap
// and a server-wide budget.

export interface RawFrame {
  direction: 'in' | 'out';
  raw: Buffer;
}

/** What the tap saw of one upgraded connection, for the handshake viewer and frame inspector. */
export interface WireRecord {
  requestHead?: Buffer;
  responseHead?: Buffer;
  /** Every frame kept so far, in wire order (only when the route asked to record). */
  frames: RawFrame[];
  /** Bytes of frames recorded so far, with their overhead; past RECORD_LIMIT_BYTES recording stops. */
  recordedBytes: number;
  /** Frames seen after recording stopped. */
  droppedFrames: number;
  /** Recording ended for good (the inspector forgot this connection): its bytes went back to the budget. */
  stopped: boolean;
  /** The inspector took charge of this record (and will release it); otherwise the socket's close does. */
  adopted: boolean;
}

/** A connection whose reader never collects its frames must not grow without bound. */
export const RECORD_LIMIT_BYTES = 1024 * 1024;

/** The frame bytes every recorded connection of one server may hold together. */
export class RecordBudget {
  used = 0;
  constructor(readonly maxBytes: number) {}

  /** Stops a record and gives its bytes back; safe to call twice. */
  release(wire: WireRecord): void {
    if (wire.stopped) return;
    wire.stopped = true;
    this.used -= wire.recordedBytes;
    wire.frames.length = 0;
  }
}

/**
 * What one kept frame costs beyond its bytes (its Buffer, ArrayBuffer and backing store, its
 * record object; measured with bench/hostile.ts attack (e)): counted too, or a flood of 6-byte
 * frames would hold 25 times its budget.
 */
const FRAME_OVERHEAD_BYTES = 384;

/** Keeps one frame of a recorded connection, unless its cap or the budget is reached. */
export function keepFrame(wire: WireRecord, budget: RecordBudget, direction: RawFrame['direction'], raw: Buffer): void {
  const cost = raw.length + FRAME_OVERHEAD_BYTES;
  if (wire.stopped || wire.droppedFrames > 0 || wire.recordedBytes + cost > RECORD_LIMIT_BYTES || budget.used + cost > budget.maxBytes) {
    wire.droppedFrames++;
    return;
  }
  wire.recordedBytes += cost;
  budget.used += cost;
  wire.frames.push({ direction, raw });
}

const records = new WeakMap<Socket, WireRecord>();

/** The raw handshake and frames the tap recorded for a socket, if any. */
export function wireRecordOf(socket: Socket): WireRecord | undefined {
  return records.get(socket);
}

export function record(socket: Socket): WireRecord {
  let wire = records.get(socket);
  if (!wire) records.set(socket, (wire = { frames: [], recordedBytes: 0, droppedFrames: 0, stopped: false, adopted: false }));
  return wire;
}
