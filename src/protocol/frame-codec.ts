// The teaching codec: decodes RFC 6455 frames and annotates every field, byte and bit, for the
// frame inspector. Live traffic is carried by `ws`; this code only explains bytes, and
// tests/unit/frame-codec.test.ts holds it against ws's own Sender and Receiver.
// It runs in the browser and in Node: Uint8Array, DataView and TextDecoder only, no Buffer.

import { applyMask, frameFields, frameHeaderLength, OPCODES } from './frame-annotate.js';
import { isWireCloseCode, utf8, utf8Stream, type FrameField } from './frame-annotate.js';

export { applyMask, frameHeaderLength, fromHex, OPCODES, toHex } from './frame-annotate.js';
export type { FrameField } from './frame-annotate.js';

/** Refuse larger payloads so a hostile 64-bit length cannot make us allocate gigabytes. */
const MAX_PAYLOAD = 16 * 1024 * 1024;

export type FrameDecodeErrorCode =
  | 'truncated' | 'reserved-opcode' | 'control-too-long' | 'control-fragmented' | 'too-large'
  | 'length-not-minimal' | 'length-msb-set' | 'bad-close-payload' | 'invalid-utf8';

/**
 * Why bytes are not a valid frame. Returned, never thrown, by decodeFrame/decodeFrames: bad
 * input is the inspector's normal business. `offset` is the absolute index in the input of the
 * byte or field at fault; for 'truncated' it is where the missing field starts, so it may equal
 * the input length.
 */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  readonly code: FrameDecodeErrorCode;
  readonly offset: number;
  constructor(code: FrameDecodeErrorCode, offset: number, message: string) {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

/** One decoded frame. Byte positions in `fields` are relative to the frame's first byte. */
export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskingKey: Uint8Array | null;
  payloadLength: number;
  /** Which length form was used (§5.2): 7-bit, 7+16-bit (126) or 7+64-bit (127). */
  lengthEncoding: 7 | 16 | 64;
  headerLength: number;
  /** The payload bytes as on the wire (the same array as `payload` when unmasked). */
  maskedPayload: Uint8Array;
  /** The payload after unmasking (§5.3). Copies: never views into the input. */
  payload: Uint8Array;
  totalLength: number;
  fields: FrameField[];
  /** Close frames with a body (§5.5.1, §7.4). */
  closeCode?: number;
  closeReason?: string;
  /** Text frames (and, in decodeFrames, continuations of a text message) whose payload is
   * valid UTF-8 on its own; absent when RSV1 is set (the payload is then compressed). */
  text?: string;
}

export type DecodeResult = { frame: DecodedFrame } | { error: FrameDecodeError };

function fail(code: FrameDecodeErrorCode, offset: number, message: string): DecodeResult {
  return { error: new FrameDecodeError(code, offset, message) };
}

function truncated(bytes: Uint8Array, at: number, what: string, need: number): DecodeResult {
  const left = bytes.length - at;
  return fail('truncated', at, `the frame needs ${need} bytes for ${what} at byte ${at}, only ${left} left`);
}

/** Header checks in wire order, so the first problem in the bytes is the one reported. */
function decodeAt(bytes: Uint8Array, start: number, continuesText: boolean): DecodeResult {
  if (!Number.isInteger(start) || start < 0 || start > bytes.length) {
    const at = Number.isInteger(start) && start > 0 ? bytes.length : 0;
    return fail('truncated', at, `offset ${start} is outside the ${bytes.length}-byte input`);
  }
  if (start === bytes.length) return truncated(bytes, start, 'the 2-byte header', 2);
  const byte0 = bytes[start]!;
  const fin = (byte0 & 0x80) !== 0;
  const opcode = byte0 & 0x0f;
  const opcodeName = OPCODES[opcode];
  if (opcodeName === undefined) {
    const defined = 'only 0, 1, 2, 8, 9 and 10 are defined';
    return fail('reserved-opcode', start, `opcode ${opcode} is reserved (RFC 6455 §5.2); ${defined}`);
  }
  const control = opcode >= 8;
  if (control && !fin) {
    const why = 'control frames are never fragmented (§5.5)';
    return fail('control-fragmented', start, `a ${opcodeName} frame must have FIN set: ${why}`);
  }
  if (start + 2 > bytes.length) return truncated(bytes, start, 'the 2-byte header', 2);
  const byte1 = bytes[start + 1]!;
  const masked = (byte1 & 0x80) !== 0;
  const length7 = byte1 & 0x7f;
  if (control && length7 > 125) {
    const said = length7 === 126 ? '126 (a 16-bit length follows)' : '127 (a 64-bit one follows)';
    const what = `a ${opcodeName} frame carries at most 125 bytes (§5.5)`;
    return fail('control-too-long', start + 1, `${what}; its length says ${said}`);
  }

  let pos = start + 2;
  let payloadLength = length7;
  let extendedLength: number | bigint | null = null;
  const lengthEncoding: 7 | 16 | 64 = length7 === 126 ? 16 : length7 === 127 ? 64 : 7;
  if (lengthEncoding !== 7) {
    const size = lengthEncoding / 8;
    if (pos + size > bytes.length) return truncated(bytes, pos, `the ${size}-byte extended length`, size);
    const view = new DataView(bytes.buffer, bytes.byteOffset + pos, size);
    if (lengthEncoding === 16) {
      payloadLength = extendedLength = view.getUint16(0);
    } else if (view.getUint8(0) & 0x80) {
      return fail('length-msb-set', pos, 'the most significant bit of a 64-bit length must be 0 (§5.2)');
    } else {
      extendedLength = view.getBigUint64(0);
      payloadLength = Number(extendedLength); // inexact above 2^53, but then far above MAX_PAYLOAD
    }
    const minimum = lengthEncoding === 16 ? 126 : 65536;
    if (payloadLength < minimum) {
      const rule = `§5.2 requires the shortest form: a ${lengthEncoding}-bit length is at least ${minimum}`;
      return fail('length-not-minimal', pos, `length ${payloadLength} is not minimal; ${rule}`);
    }
    if (payloadLength > MAX_PAYLOAD) {
      const limit = `this inspector's limit of ${MAX_PAYLOAD} bytes (16 MiB)`;
      return fail('too-large', pos, `payload length ${extendedLength} exceeds ${limit}`);
    }
    pos += size;
  }

  let maskingKey: Uint8Array | null = null;
  if (masked) {
    if (pos + 4 > bytes.length) return truncated(bytes, pos, 'the 4-byte masking key', 4);
    maskingKey = bytes.slice(pos, pos + 4);
    pos += 4;
  }
  const headerLength = pos - start;
  if (pos + payloadLength > bytes.length) {
    return truncated(bytes, pos, 'the payload', payloadLength);
  }
  const maskedPayload = bytes.slice(pos, pos + payloadLength);
  const payload = maskingKey === null ? maskedPayload : applyMask(maskedPayload, maskingKey);
  const rsv1 = (byte0 & 0x40) !== 0;
  const frame: DecodedFrame = {
    fin,
    rsv1,
    rsv2: (byte0 & 0x20) !== 0,
    rsv3: (byte0 & 0x10) !== 0,
    opcode,
    opcodeName,
    masked,
    maskingKey,
    payloadLength,
    lengthEncoding,
    headerLength,
    maskedPayload,
    payload,
    totalLength: headerLength + payloadLength,
    fields: frameFields({ byte0, byte1, lengthEncoding, extendedLength, maskingKey, wirePayload: maskedPayload }),
  };

  if (opcode === 8 && payloadLength > 0) {
    if (payloadLength === 1) {
      const rule = 'a close body is empty or starts with a 2-byte status code (§5.5.1)';
      return fail('bad-close-payload', pos, `${rule}; this one has 1 byte`);
    }
    const code = (payload[0]! << 8) | payload[1]!;
    if (!isWireCloseCode(code)) {
      return fail('bad-close-payload', pos, `close code ${code} may not be sent on the wire (§7.4)`);
    }
    const reason = utf8(payload.subarray(2));
    if (reason === null) return fail('invalid-utf8', pos + 2, 'the close reason is not valid UTF-8 (§5.5.1)');
    frame.closeCode = code;
    frame.closeReason = reason;
  }
  if (!rsv1 && (opcode === 1 || (opcode === 0 && continuesText))) {
    const text = utf8(payload);
    if (text !== null) frame.text = text;
    // A lone final text frame is a whole message and must be valid UTF-8 (§5.6, §8.1). A
    // fragment may end (or start) mid-character, so on its own it proves nothing.
    else if (opcode === 1 && fin) return fail('invalid-utf8', pos, 'a text message must be valid UTF-8 (§5.6)');
  }
  return { frame };
}

/** Decodes the one frame starting at `offset`. Never throws: bad input yields `{ error }`. */
export function decodeFrame(bytes: Uint8Array, offset = 0): DecodeResult {
  return decodeAt(bytes, offset, false);
}

/**
 * Decodes back-to-back frames, stopping at the first error; a frame cut off at the end gives
 * 'truncated'. `rest` counts the bytes not consumed (from the failing frame's first byte).
 * Unlike decodeFrame it follows fragmented messages (§5.4): continuations of a text message get
 * `text`, and the message's UTF-8 is checked across fragment boundaries, failing fast (§8.1).
 */
export function decodeFrames(bytes: Uint8Array): {
  frames: DecodedFrame[];
  error: FrameDecodeError | null;
  rest: number;
} {
  const frames: DecodedFrame[] = [];
  let pos = 0;
  let textStream: ReturnType<typeof utf8Stream> | null = null; // while a plain text message is open
  while (pos < bytes.length) {
    const result = decodeAt(bytes, pos, textStream !== null);
    if ('error' in result) return { frames, error: result.error, rest: bytes.length - pos };
    const frame = result.frame;
    if (frame.opcode === 1 || frame.opcode === 2) {
      textStream = frame.opcode === 1 && !frame.fin && !frame.rsv1 ? utf8Stream() : null;
    }
    if (textStream !== null && frame.opcode < 8) {
      try {
        textStream(frame.payload, frame.fin);
      } catch {
        const why = 'this fragment makes the text message invalid UTF-8 (§5.6, §8.1)';
        const error = new FrameDecodeError('invalid-utf8', pos + frame.headerLength, why);
        return { frames, error, rest: bytes.length - pos };
      }
      if (frame.fin) textStream = null;
    }
    frames.push(frame);
    pos += frame.totalLength;
  }
  return { frames, error: null, rest: 0 };
}

/**
 * One frame, minimal length encoding (§5.2), masked when a key is given (§5.3), FIN by default.
 * Writes what it is told, so the inspector can show invalid frames too (a fragmented ping); throws
 * a RangeError only for what bits cannot express: an opcode outside 0–15, a key not of 4 bytes.
 */
export function encodeFrame(opts: {
  fin?: boolean;
  rsv1?: boolean;
  opcode: number;
  payload: Uint8Array;
  maskingKey?: Uint8Array | null;
}): Uint8Array {
  const { opcode, payload } = opts;
  const key = opts.maskingKey ?? null;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new RangeError(`encodeFrame: opcode ${opcode} does not fit in 4 bits`);
  }
  if (key !== null && key.length !== 4) {
    throw new RangeError(`encodeFrame: a masking key has 4 bytes, not ${key.length}`);
  }
  const n = payload.length;
  const headerLength = frameHeaderLength(n, key !== null);
  const out = new Uint8Array(headerLength + n);
  out[0] = ((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opcode;
  out[1] = (key === null ? 0 : 0x80) | (n <= 125 ? n : n <= 0xffff ? 126 : 127);
  const view = new DataView(out.buffer);
  if (n > 0xffff) {
    view.setUint32(2, Math.floor(n / 2 ** 32));
    view.setUint32(6, n >>> 0);
  } else if (n > 125) {
    view.setUint16(2, n);
  }
  if (key === null) {
    out.set(payload, headerLength);
  } else {
    out.set(key, headerLength - 4);
    out.set(applyMask(payload, key), headerLength);
  }
  return out;
}
