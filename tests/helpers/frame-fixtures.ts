// Fixtures shared by the frame codec tests: ws's own Sender/Receiver typed for ESM, decoders
// that fail loudly, deterministic payloads and fast-check arbitraries.
import type { Writable } from 'node:stream';
import fc from 'fast-check';
import { expect } from 'vitest';
// ws's ESM entry exports Sender and Receiver by name, but @types/ws declares neither, and the
// default export (lib/websocket.js) has no .Sender/.Receiver under ESM: those are attached only
// by the CommonJS index.js. So: a namespace import, typed below from ws 8.23's source.
import * as wsModule from 'ws';
import {
  applyMask,
  decodeFrame,
  decodeFrames,
  encodeFrame,
  FrameDecodeError,
  frameHeaderLength,
  fromHex,
  OPCODES,
  toHex,
  type DecodedFrame,
  type FrameField,
} from '../../src/protocol/frame-codec.js';

export { applyMask, decodeFrame, decodeFrames, encodeFrame, FrameDecodeError, frameHeaderLength, fromHex, OPCODES, toHex };
export type { DecodedFrame, FrameField };

export interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1?: boolean;
  maskBuffer?: Buffer;
  generateMask?: (mask: Buffer) => void;
}
export const ws = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};

export type FrameDecodeErrorCode = FrameDecodeError['code'];

// ---------------------------------------------------------------- helpers

export function frameOf(bytes: Uint8Array, offset = 0): DecodedFrame {
  const result = decodeFrame(bytes, offset);
  if ('error' in result) throw new Error(`unexpected ${result.error.code}: ${result.error.message}`);
  return result.frame;
}

export function errorOf(bytes: Uint8Array, offset = 0): FrameDecodeError {
  const result = decodeFrame(bytes, offset);
  if ('frame' in result) throw new Error(`expected an error, decoded ${toHex(bytes)}`);
  return result.error;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Byte equality without a deep-equal walk over 70 000 elements; shows hex on mismatch. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.compare(actual, expected) !== 0) {
    expect(toHex(actual.subarray(0, 64))).toBe(toHex(expected.subarray(0, 64)));
    expect(actual.length).toBe(expected.length);
    expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
  }
}

/** Deterministic filler bytes (xorshift32): cheap even at 70 000 bytes. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Valid UTF-8 of exactly `length` bytes mixing 1-, 2-, 3- and 4-byte characters (and a BOM). */
export const PIECES = ['a', 'Z', ' ', '\n', 'é', 'ß', '€', '中', '\uFEFF', '😀'];
export function utf8Text(length: number, seed: number): Uint8Array {
  const noise = pseudoRandomBytes(length, seed);
  const parts: string[] = [];
  let remaining = length;
  for (let i = 0; remaining > 0; i++) {
    const fitting = PIECES.filter((p) => Buffer.byteLength(p) <= remaining);
    const piece = fitting[noise[i]! % fitting.length]!;
    parts.push(piece);
    remaining -= Buffer.byteLength(piece);
  }
  return utf8(parts.join(''));
}

/** Lengths across all three encodings of §5.2: 7-bit, 16-bit and 64-bit. */
export const payloadLength = fc.oneof(
  fc.integer({ min: 0, max: 125 }),
  fc.integer({ min: 126, max: 65535 }),
  fc.integer({ min: 65536, max: 70000 }),
);
export const maskingKey = fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null });

export const dataFrame = fc
  .record({
    opcode: fc.constantFrom(1, 2),
    length: payloadLength,
    seed: fc.integer(),
    fin: fc.boolean(),
    key: maskingKey,
  })
  .map(({ opcode, length, seed, fin, key }) => ({
    opcode,
    fin,
    key,
    payload: opcode === 1 ? utf8Text(length, seed) : pseudoRandomBytes(length, seed),
  }));

export const CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
export const controlFrame = fc
  .record({
    opcode: fc.constantFrom(8, 9, 10),
    length: fc.integer({ min: 0, max: 125 }),
    seed: fc.integer(),
    code: fc.constantFrom(...CLOSE_CODES),
    key: maskingKey,
  })
  .map(({ opcode, length, seed, code, key }) => {
    if (opcode !== 8) return { opcode, key, payload: pseudoRandomBytes(length, seed), code: null };
    const reason = utf8Text(Math.min(length, 123), seed);
    return { opcode, key, payload: concat(new Uint8Array([code >> 8, code & 0xff]), reason), code };
  });

export function wsFrame(payload: Uint8Array, options: { fin: boolean; opcode: number; key: Uint8Array | null; readOnly: boolean }): Uint8Array {
  const { key } = options;
  const wsOptions: WsFrameOptions = { fin: options.fin, opcode: options.opcode, mask: key !== null, readOnly: options.readOnly };
  if (key !== null) {
    wsOptions.maskBuffer = Buffer.alloc(4);
    wsOptions.generateMask = (mask) => mask.set(key);
  }
  // A copy: with mask && !readOnly, ws masks the buffer it is given in place.
  return concat(...ws.Sender.frame(Buffer.from(payload), wsOptions));
}

export type WsEvent = { type: 'text' | 'binary' | 'ping' | 'pong'; data: Buffer } | { type: 'close'; code: number; data: Buffer };

/** Feeds bytes to a fresh ws Receiver; resolves with what it emitted, rejects with its error. */
export function receiveWithWs(wire: Uint8Array, isServer: boolean): Promise<WsEvent> {
  return new Promise((resolve, reject) => {
    const receiver = new ws.Receiver({ isServer, maxPayload: 16 * 1024 * 1024 });
    let event: WsEvent | null = null;
    receiver.on('message', (data: Buffer, isBinary: boolean) => {
      event = { type: isBinary ? 'binary' : 'text', data };
    });
    receiver.on('ping', (data: Buffer) => (event = { type: 'ping', data }));
    receiver.on('pong', (data: Buffer) => (event = { type: 'pong', data }));
    receiver.on('conclude', (code: number, data: Buffer) => (event = { type: 'close', code, data }));
    receiver.on('error', reject);
    receiver.write(Buffer.from(wire), (error) => {
      if (error) reject(error);
      else if (event) resolve(event);
      else reject(new Error('ws emitted nothing'));
    });
  });
}

/** Fields must tile the frame: header bits back to back from bit 0, then the payload bytes. */
export function expectFieldsTile(frame: DecodedFrame): void {
  let bit = 0;
  for (const field of frame.fields.filter((f) => f.name !== 'payload')) {
    expect(field.bitStart).toBe(bit);
    expect(field.byteStart).toBe(bit >> 3);
    bit += field.bitLength!;
    expect(field.byteEnd).toBe(Math.ceil(bit / 8));
  }
  expect(bit).toBe(frame.headerLength * 8);
  const payload = frame.fields.at(-1)!;
  expect(payload).toMatchObject({ name: 'payload', byteStart: frame.headerLength, byteEnd: frame.totalLength });
  expect(payload.value).toBe(frame.maskedPayload);
}

// ---------------------------------------------------------------- RFC 6455 §5.7

