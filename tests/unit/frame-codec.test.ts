import type { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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

interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1?: boolean;
  maskBuffer?: Buffer;
  generateMask?: (mask: Buffer) => void;
}
const ws = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};

type FrameDecodeErrorCode = FrameDecodeError['code'];

// ---------------------------------------------------------------- helpers

function frameOf(bytes: Uint8Array, offset = 0): DecodedFrame {
  const result = decodeFrame(bytes, offset);
  if ('error' in result) throw new Error(`unexpected ${result.error.code}: ${result.error.message}`);
  return result.frame;
}

function errorOf(bytes: Uint8Array, offset = 0): FrameDecodeError {
  const result = decodeFrame(bytes, offset);
  if ('frame' in result) throw new Error(`expected an error, decoded ${toHex(bytes)}`);
  return result.error;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Byte equality without a deep-equal walk over 70 000 elements; shows hex on mismatch. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.compare(actual, expected) !== 0) {
    expect(toHex(actual.subarray(0, 64))).toBe(toHex(expected.subarray(0, 64)));
    expect(actual.length).toBe(expected.length);
    expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
  }
}

/** Deterministic filler bytes (xorshift32): cheap even at 70 000 bytes. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
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
const PIECES = ['a', 'Z', ' ', '\n', 'é', 'ß', '€', '中', '\uFEFF', '😀'];
function utf8Text(length: number, seed: number): Uint8Array {
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
const payloadLength = fc.oneof(
  fc.integer({ min: 0, max: 125 }),
  fc.integer({ min: 126, max: 65535 }),
  fc.integer({ min: 65536, max: 70000 }),
);
const maskingKey = fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null });

const dataFrame = fc
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

const CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
const controlFrame = fc
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

function wsFrame(payload: Uint8Array, options: { fin: boolean; opcode: number; key: Uint8Array | null; readOnly: boolean }): Uint8Array {
  const { key } = options;
  const wsOptions: WsFrameOptions = { fin: options.fin, opcode: options.opcode, mask: key !== null, readOnly: options.readOnly };
  if (key !== null) {
    wsOptions.maskBuffer = Buffer.alloc(4);
    wsOptions.generateMask = (mask) => mask.set(key);
  }
  // A copy: with mask && !readOnly, ws masks the buffer it is given in place.
  return concat(...ws.Sender.frame(Buffer.from(payload), wsOptions));
}

type WsEvent = { type: 'text' | 'binary' | 'ping' | 'pong'; data: Buffer } | { type: 'close'; code: number; data: Buffer };

/** Feeds bytes to a fresh ws Receiver; resolves with what it emitted, rejects with its error. */
function receiveWithWs(wire: Uint8Array, isServer: boolean): Promise<WsEvent> {
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
function expectFieldsTile(frame: DecodedFrame): void {
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

describe('RFC 6455 §5.7 examples', () => {
  it('decodes an unmasked text frame, "Hello"', () => {
    const frame = frameOf(fromHex('81 05 48 65 6c 6c 6f'));
    expect(frame).toMatchObject({
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: 1,
      opcodeName: 'text',
      masked: false,
      maskingKey: null,
      payloadLength: 5,
      lengthEncoding: 7,
      headerLength: 2,
      totalLength: 7,
      text: 'Hello',
    });
    expect(toHex(frame.payload)).toBe('48 65 6c 6c 6f');
    expect(frame.maskedPayload).toBe(frame.payload);
    expect(toHex(encodeFrame({ opcode: 1, payload: utf8('Hello') }))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('decodes a masked text frame, "Hello", with every field positioned', () => {
    const bytes = fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const frame = frameOf(bytes);
    expect(frame).toMatchObject({ opcode: 1, masked: true, payloadLength: 5, headerLength: 6, totalLength: 11 });
    expect(frame.text).toBe('Hello');
    expect(toHex(frame.maskingKey!)).toBe('37 fa 21 3d');
    expect(toHex(frame.maskedPayload)).toBe('7f 9f 4d 51 58');
    expect(toHex(frame.payload)).toBe('48 65 6c 6c 6f');
    const expected: FrameField[] = [
      { name: 'fin', byteStart: 0, byteEnd: 1, bitStart: 0, bitLength: 1, value: true },
      { name: 'rsv1', byteStart: 0, byteEnd: 1, bitStart: 1, bitLength: 1, value: false },
      { name: 'rsv2', byteStart: 0, byteEnd: 1, bitStart: 2, bitLength: 1, value: false },
      { name: 'rsv3', byteStart: 0, byteEnd: 1, bitStart: 3, bitLength: 1, value: false },
      { name: 'opcode', byteStart: 0, byteEnd: 1, bitStart: 4, bitLength: 4, value: 1 },
      { name: 'mask', byteStart: 1, byteEnd: 2, bitStart: 8, bitLength: 1, value: true },
      { name: 'payloadLength', byteStart: 1, byteEnd: 2, bitStart: 9, bitLength: 7, value: 5 },
      { name: 'maskingKey', byteStart: 2, byteEnd: 6, bitStart: 16, bitLength: 32, value: fromHex('37 fa 21 3d') },
      { name: 'payload', byteStart: 6, byteEnd: 11, value: fromHex('7f 9f 4d 51 58') },
    ];
    expect(frame.fields).toEqual(expected);
    const key = fromHex('37 fa 21 3d');
    expect(toHex(encodeFrame({ opcode: 1, payload: utf8('Hello'), maskingKey: key }))).toBe(toHex(bytes));
  });

  it('decodes a fragmented unmasked text message, "Hel" + "lo"', () => {
    const { frames, error, rest } = decodeFrames(fromHex('01 03 48 65 6c  80 02 6c 6f'));
    expect(error).toBeNull();
    expect(rest).toBe(0);
    expect(frames.map((f) => [f.fin, f.opcodeName, f.text])).toEqual([
      [false, 'text', 'Hel'],
      [true, 'continuation', 'lo'],
    ]);
    // Alone, a continuation frame cannot know it belongs to a text message.
    expect(frameOf(fromHex('80 02 6c 6f')).text).toBeUndefined();
    expect(toHex(encodeFrame({ fin: false, opcode: 1, payload: utf8('Hel') }))).toBe('01 03 48 65 6c');
    expect(toHex(encodeFrame({ opcode: 0, payload: utf8('lo') }))).toBe('80 02 6c 6f');
  });

  it('decodes an unmasked ping and a masked pong', () => {
    const ping = frameOf(fromHex('89 05 48 65 6c 6c 6f'));
    expect(ping).toMatchObject({ fin: true, opcode: 9, opcodeName: 'ping', masked: false, payloadLength: 5 });
    expect(ping.text).toBeUndefined();
    expect(toHex(ping.payload)).toBe('48 65 6c 6c 6f');
    const pong = frameOf(fromHex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(pong).toMatchObject({ fin: true, opcode: 10, opcodeName: 'pong', masked: true, headerLength: 6 });
    expect(toHex(pong.payload)).toBe('48 65 6c 6c 6f');
  });

  it('uses a 16-bit length for a 256-byte binary message', () => {
    const payload = pseudoRandomBytes(256, 7);
    const wire = concat(fromHex('82 7E 01 00'), payload);
    const frame = frameOf(wire);
    expect(frame).toMatchObject({ opcode: 2, payloadLength: 256, lengthEncoding: 16, headerLength: 4, totalLength: 260 });
    expect(frame.fields.find((f) => f.name === 'payloadLength')?.value).toBe(126);
    expect(frame.fields.find((f) => f.name === 'extendedLength')).toEqual({
      name: 'extendedLength', byteStart: 2, byteEnd: 4, bitStart: 16, bitLength: 16, value: 256,
    });
    expectSameBytes(frame.payload, payload);
    expectSameBytes(encodeFrame({ opcode: 2, payload }), wire);
  });

  it('uses a 64-bit length for a 65536-byte binary message', () => {
    const payload = pseudoRandomBytes(65536, 9);
    const wire = concat(fromHex('82 7F 00 00 00 00 00 01 00 00'), payload);
    const frame = frameOf(wire);
    expect(frame).toMatchObject({ opcode: 2, payloadLength: 65536, lengthEncoding: 64, headerLength: 10 });
    expect(frame.fields.find((f) => f.name === 'extendedLength')).toEqual({
      name: 'extendedLength', byteStart: 2, byteEnd: 10, bitStart: 16, bitLength: 64, value: BigInt(65536),
    });
    expectSameBytes(encodeFrame({ opcode: 2, payload }), wire);
  });
});

// ---------------------------------------------------------------- other decoding rules

describe('decoding', () => {
  it('reads close code and reason', () => {
    const frame = frameOf(encodeFrame({ opcode: 8, payload: concat(fromHex('03 e8'), utf8('bye')) }));
    expect(frame).toMatchObject({ opcodeName: 'close', closeCode: 1000, closeReason: 'bye' });
    const empty = frameOf(fromHex('88 00'));
    expect(empty.closeCode).toBeUndefined();
    expect(empty.closeReason).toBeUndefined();
  });

  it('gives text only for valid UTF-8, never for compressed (RSV1) frames', () => {
    const e = utf8('é'); // c3 a9
    const first = frameOf(encodeFrame({ fin: false, opcode: 1, payload: e.subarray(0, 1) }));
    expect(first.text).toBeUndefined(); // a fragment may end mid-character: no error, no text
    const compressed = frameOf(fromHex('c1 02 ff ff'));
    expect(compressed.rsv1).toBe(true);
    expect(compressed.text).toBeUndefined();
    expect(frameOf(fromHex('81 03 ef bb bf')).text).toBe('\uFEFF'); // a BOM is content, kept
  });

  it('follows UTF-8 across fragments in decodeFrames', () => {
    const split = decodeFrames(fromHex('01 01 c3  80 01 a9'));
    expect(split.error).toBeNull();
    expect(split.frames.map((f) => f.text)).toEqual([undefined, undefined]);
    const broken = decodeFrames(fromHex('01 01 c3  80 01 28'));
    expect(broken.frames).toHaveLength(1);
    expect(broken.error).toMatchObject({ code: 'invalid-utf8', offset: 5 });
    expect(broken.rest).toBe(3);
    // Bytes that no continuation can repair fail at once (§8.1 fails fast).
    expect(decodeFrames(fromHex('01 01 ff  80 00')).error).toMatchObject({ code: 'invalid-utf8', offset: 2 });
    // A ping between fragments does not disturb the text message (§5.4).
    const pinged = decodeFrames(fromHex('01 01 c3  89 00  80 01 a9'));
    expect(pinged.error).toBeNull();
    expect(pinged.frames.map((f) => f.opcodeName)).toEqual(['text', 'ping', 'continuation']);
    // Once FIN ends the message, a stray continuation belongs to no text message.
    const stray = decodeFrames(fromHex('01 01 48  80 01 49  80 01 4a  80 01 ff'));
    expect(stray.error).toBeNull();
    expect(stray.frames.map((f) => f.text)).toEqual(['H', 'I', undefined, undefined]);
  });

  it('decodes at an offset and copies rather than aliasing the input', () => {
    const bytes = fromHex('ff ff 81 05 48 65 6c 6c 6f');
    const frame = frameOf(bytes, 2);
    expect(frame.text).toBe('Hello');
    bytes[4] = 0;
    expect(frame.payload[0]).toBe(0x48);
    const sub = fromHex('00 81 85 37 fa 21 3d 7f 9f 4d 51 58').subarray(1); // non-zero byteOffset
    expect(frameOf(sub).text).toBe('Hello');
    expect(frameOf(concat(fromHex('00'), encodeFrame({ opcode: 2, payload: new Uint8Array(70000) })).subarray(1)).payloadLength).toBe(70000);
  });

  it('names every defined opcode', () => {
    expect(OPCODES).toEqual({ 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' });
  });
});

// ---------------------------------------------------------------- errors

describe('decoding errors', () => {
  // [what, hex, code, offset, the error ws's Receiver reports for the same bytes (if it reports one)]
  const cases: Array<[string, string, FrameDecodeErrorCode, number, string | null]> = [
    ['empty input', '', 'truncated', 0, null],
    ['a lone header byte', '81', 'truncated', 0, null],
    ['a payload cut short', '81 05 48 65', 'truncated', 2, null],
    ['a 16-bit length cut short', '82 7e 01', 'truncated', 2, null],
    ['a 64-bit length cut short', '82 7f 00 00 00', 'truncated', 2, null],
    ['a masking key cut short', '81 85 37 fa', 'truncated', 2, null],
    ['a masked payload cut short', '81 85 37 fa 21 3d 7f', 'truncated', 6, null],
    ['exactly 16 MiB announced, nothing sent', '82 7f 00 00 00 00 01 00 00 00', 'truncated', 10, null],
    ['opcode 3', '83 00', 'reserved-opcode', 0, 'WS_ERR_INVALID_OPCODE'],
    ['opcode 0xB', '8b 00', 'reserved-opcode', 0, 'WS_ERR_INVALID_OPCODE'],
    ['opcode 7, before the header is complete', '87', 'reserved-opcode', 0, null],
    ['a ping of 126 bytes', '89 7e 00 7e', 'control-too-long', 1, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['a masked close announcing a 64-bit length', '88 ff', 'control-too-long', 1, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['a ping with FIN=0', '09 00', 'control-fragmented', 0, 'WS_ERR_EXPECTED_FIN'],
    ['a close with FIN=0, one byte in', '08', 'control-fragmented', 0, null],
    ['125 in a 16-bit length', '82 7e 00 7d', 'length-not-minimal', 2, null],
    ['65535 in a 64-bit length', '82 7f 00 00 00 00 00 00 ff ff', 'length-not-minimal', 2, null],
    ['a 64-bit length with its MSB set', '82 7f 80 00 00 00 00 00 00 00', 'length-msb-set', 2, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
    ['16 MiB + 1', '82 7f 00 00 00 00 01 00 00 01', 'too-large', 2, null],
    ['2^53 + 1', '82 7f 00 20 00 00 00 00 00 01', 'too-large', 2, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
    ['a 1-byte close body', '88 01 03', 'bad-close-payload', 2, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['close code 1005', '88 02 03 ed', 'bad-close-payload', 2, 'WS_ERR_INVALID_CLOSE_CODE'],
    ['close code 999', '88 02 03 e7', 'bad-close-payload', 2, 'WS_ERR_INVALID_CLOSE_CODE'],
    ['masked close code 1006', '88 82 01 02 03 04 02 ec', 'bad-close-payload', 6, 'WS_ERR_INVALID_CLOSE_CODE'],
    ['a close reason that is not UTF-8', '88 04 03 e8 ff fe', 'invalid-utf8', 4, 'WS_ERR_INVALID_UTF8'],
    ['a text message that is not UTF-8', '81 02 c3 28', 'invalid-utf8', 2, 'WS_ERR_INVALID_UTF8'],
    ['a masked text message that is not UTF-8', '81 82 00 00 00 01 c3 29', 'invalid-utf8', 6, 'WS_ERR_INVALID_UTF8'],
  ];

  it.each(cases)('%s (%s) → %s at %i', (_what, hex, code, offset) => {
    const bytes = fromHex(hex);
    const error = errorOf(bytes);
    expect(error).toBeInstanceOf(FrameDecodeError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code, offset, name: 'FrameDecodeError' });
    expect(error.message.length).toBeGreaterThan(10);
    // The same bytes after a valid frame: offsets are absolute, rest starts at the bad frame.
    const after = decodeFrames(concat(fromHex('89 00'), bytes));
    expect(after.frames).toHaveLength(1);
    expect(after.rest).toBe(bytes.length);
    if (bytes.length > 0) expect(after.error).toMatchObject({ code, offset: offset + 2 });
    else expect(after.error).toBeNull(); // nothing after the ping: no tail, no error
  });

  it.each(cases.filter((c) => c[4] !== null))('ws refuses %s too', async (_what, hex, _code, _offset, wsCode) => {
    const bytes = fromHex(hex);
    await expect(receiveWithWs(bytes, (bytes[1]! & 0x80) !== 0)).rejects.toMatchObject({ code: wsCode });
  });

  it('reports an offset outside the input as truncated', () => {
    const bytes = fromHex('81 00');
    expect(errorOf(bytes, 2)).toMatchObject({ code: 'truncated', offset: 2 });
    expect(errorOf(bytes, 9)).toMatchObject({ code: 'truncated', offset: 2 });
    expect(errorOf(bytes, -1)).toMatchObject({ code: 'truncated', offset: 0 });
    expect(errorOf(bytes, 0.5)).toMatchObject({ code: 'truncated', offset: 0 });
    expect(errorOf(bytes, Number.NaN)).toMatchObject({ code: 'truncated', offset: 0 });
  });

  const CODES = new Set<string>(cases.map((c) => c[2]));
  function expectSaneError(error: FrameDecodeError, length: number): void {
    expect(error).toBeInstanceOf(FrameDecodeError);
    expect(CODES.has(error.code)).toBe(true);
    expect(Number.isInteger(error.offset)).toBe(true);
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(length);
  }

  it('never throws on random bytes, and accounts for every byte', () => {
    const header = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x05, 0x7d, 0x7e, 0x7f, 0x80, 0x85, 0xfe, 0xff));
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 198 })).map(([[b0, b1], tail]) => concat(new Uint8Array([b0, b1]), tail)),
    );
    fc.assert(
      fc.property(input, fc.integer({ min: -3, max: 210 }), (bytes, offset) => {
        const { frames, error, rest } = decodeFrames(bytes);
        expect(frames.reduce((sum, f) => sum + f.totalLength, 0) + rest).toBe(bytes.length);
        if (error === null) expect(rest).toBe(0);
        else expectSaneError(error, bytes.length);
        const single = decodeFrame(bytes, offset);
        if ('error' in single) expectSaneError(single.error, bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on valid frames with one byte changed or cut', () => {
    const damaged = fc.tuple(controlFrame, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean());
    fc.assert(
      fc.property(damaged, ([{ opcode, key, payload }, at, byte, cut]) => {
        const wire = encodeFrame({ opcode, payload, maskingKey: key });
        const bytes = cut ? wire.subarray(0, at % wire.length) : wire.slice();
        if (!cut) bytes[at % bytes.length] = byte;
        const { error } = decodeFrames(bytes);
        if (error !== null) expectSaneError(error, bytes.length);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------- against ws

describe('against ws', () => {
  it('decodes what ws.Sender frames', () => {
    fc.assert(
      fc.property(dataFrame, fc.boolean(), ({ opcode, fin, key, payload }, readOnly) => {
        const wire = wsFrame(payload, { fin, opcode, key, readOnly });
        const frame = frameOf(wire);
        expect(frame).toMatchObject({ fin, opcode, masked: key !== null, totalLength: wire.length });
        expect(frame.maskingKey === null ? null : toHex(frame.maskingKey)).toBe(key === null ? null : toHex(key));
        expectSameBytes(frame.payload, payload);
        if (opcode === 1) expect(frame.text).toBe(Buffer.from(payload).toString('utf8'));
        expectFieldsTile(frame);
        // Byte for byte the same frame as ws, header included.
        expectSameBytes(encodeFrame({ fin, opcode, payload, maskingKey: key }), wire);
      }),
      { numRuns: 60 },
    );
  });

  it('decodes the control frames ws.Sender frames', () => {
    fc.assert(
      fc.property(controlFrame, ({ opcode, key, payload, code }) => {
        const wire = wsFrame(payload, { fin: true, opcode, key, readOnly: true });
        const frame = frameOf(wire);
        expect(frame).toMatchObject({ opcode, masked: key !== null, payloadLength: payload.length });
        expectSameBytes(frame.payload, payload);
        if (code !== null) {
          expect(frame.closeCode).toBe(code);
          expect(frame.closeReason).toBe(Buffer.from(payload.subarray(2)).toString('utf8'));
        }
        expectSameBytes(encodeFrame({ opcode, payload, maskingKey: key }), wire);
      }),
      { numRuns: 100 },
    );
  });

  it('produces frames ws.Receiver accepts as the same message', async () => {
    await fc.assert(
      fc.asyncProperty(dataFrame, async ({ opcode, fin, key, payload }) => {
        let wire = encodeFrame({ fin, opcode, payload, maskingKey: key });
        // ws only emits whole messages: close a fragmented one with an empty final continuation.
        if (!fin) wire = concat(wire, encodeFrame({ opcode: 0, payload: new Uint8Array(0), maskingKey: key }));
        // A server (isServer) insists on masked frames, a client on unmasked ones (§5.1).
        const event = await receiveWithWs(wire, key !== null);
        expect(event.type).toBe(opcode === 1 ? 'text' : 'binary');
        expectSameBytes(event.data, payload);
      }),
      { numRuns: 60 },
    );
  });

  it('produces control frames ws.Receiver accepts', async () => {
    await fc.assert(
      fc.asyncProperty(controlFrame, async ({ opcode, key, payload, code }) => {
        const event = await receiveWithWs(encodeFrame({ opcode, payload, maskingKey: key }), key !== null);
        expect(event.type).toBe(OPCODES[opcode]);
        if (event.type === 'close') {
          expect(event.code).toBe(code);
          expectSameBytes(event.data, payload.subarray(2));
        } else {
          expectSameBytes(event.data, payload);
        }
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------- round trips

describe('encodeFrame → decodeFrame', () => {
  it('round-trips every field', () => {
    const frameSpec = fc.oneof(
      dataFrame.map((f) => ({ ...f, rsv1: false })),
      fc.tuple(dataFrame, fc.boolean()).map(([f, rsv1]) => ({ ...f, rsv1 })),
      controlFrame.map((f) => ({ ...f, fin: true, rsv1: false })),
    );
    fc.assert(
      fc.property(frameSpec, ({ opcode, fin, rsv1, key, payload }) => {
        const wire = encodeFrame({ fin, rsv1, opcode, payload, maskingKey: key });
        const frame = frameOf(wire);
        expect(frame).toMatchObject({ fin, rsv1, rsv2: false, rsv3: false, opcode, opcodeName: OPCODES[opcode] });
        expect(frame.masked).toBe(key !== null);
        expect(frame.headerLength).toBe(frameHeaderLength(payload.length, key !== null));
        expect(frame.totalLength).toBe(wire.length);
        expect(frame.lengthEncoding).toBe(payload.length <= 125 ? 7 : payload.length <= 65535 ? 16 : 64);
        expectSameBytes(frame.payload, payload);
        if (key !== null) expectSameBytes(frame.maskedPayload, applyMask(payload, key));
        expect(frame.text !== undefined).toBe(opcode === 1 && !rsv1);
        expectFieldsTile(frame);
      }),
      { numRuns: 80 },
    );
  });

  it('decodeFrames splits any concatenation, and reports a cut tail as truncated', () => {
    const small = fc.record({
      opcode: fc.constantFrom(1, 2, 9, 10),
      length: fc.oneof(fc.integer({ min: 0, max: 125 }), fc.integer({ min: 126, max: 400 })),
      seed: fc.integer(),
      key: maskingKey,
    });
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 6 }), fc.nat(), (specs, cutAt) => {
        const wires = specs.map(({ opcode, length, seed, key }) => {
          const n = opcode >= 8 ? Math.min(length, 125) : length;
          const payload = opcode === 1 ? utf8Text(n, seed) : pseudoRandomBytes(n, seed);
          return encodeFrame({ opcode, payload, maskingKey: key });
        });
        const whole = decodeFrames(concat(...wires));
        expect(whole.error).toBeNull();
        expect(whole.rest).toBe(0);
        expect(whole.frames.map((f) => f.totalLength)).toEqual(wires.map((w) => w.length));

        const last = wires.at(-1)!;
        const kept = 1 + (cutAt % (last.length - 1)); // 1 .. length-1 bytes of the last frame
        const cut = decodeFrames(concat(...wires.slice(0, -1), last.subarray(0, kept)));
        expect(cut.frames).toHaveLength(wires.length - 1);
        expect(cut.error?.code).toBe('truncated');
        expect(cut.rest).toBe(kept);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- helpers of the calculators

describe('encodeFrame', () => {
  it('writes invalid frames on request, for the inspector to show', () => {
    expect(toHex(encodeFrame({ fin: false, opcode: 9, payload: new Uint8Array(0) }))).toBe('09 00');
    expect(errorOf(encodeFrame({ opcode: 3, payload: new Uint8Array(0) })).code).toBe('reserved-opcode');
  });

  it('refuses what bits cannot express', () => {
    expect(() => encodeFrame({ opcode: 16, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeFrame({ opcode: -1, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeFrame({ opcode: 1, payload: new Uint8Array(0), maskingKey: new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe('frameHeaderLength', () => {
  it('is 2, 4 or 10 bytes, plus 4 when masked (§5.2)', () => {
    const table: Array<[number, boolean, number]> = [
      [0, false, 2], [125, false, 2], [126, false, 4], [65535, false, 4], [65536, false, 10],
      [2 ** 40, false, 10], [0, true, 6], [126, true, 8], [65536, true, 14],
    ];
    for (const [length, masked, expected] of table) expect(frameHeaderLength(length, masked)).toBe(expected);
    expect(() => frameHeaderLength(-1, false)).toThrow(RangeError);
    expect(() => frameHeaderLength(1.5, false)).toThrow(RangeError);
    expect(() => frameHeaderLength(Number.NaN, true)).toThrow(RangeError);
  });
});

describe('applyMask', () => {
  it('XORs with the key, returns a new array, and undoes itself (§5.3)', () => {
    const key = fromHex('37 fa 21 3d');
    const data = utf8('Hello');
    expect(toHex(applyMask(data, key))).toBe('7f 9f 4d 51 58');
    expect(toHex(data)).toBe('48 65 6c 6c 6f');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes, k) => {
        const masked = applyMask(bytes, k);
        expect(masked).not.toBe(bytes);
        expect(applyMask(masked, k)).toEqual(bytes);
      }),
    );
    expect(() => applyMask(data, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('toHex / fromHex', () => {
  it('formats lowercase pairs separated by spaces', () => {
    expect(toHex(new Uint8Array([0x81, 0x05, 0x48, 0x0a]))).toBe('81 05 48 0a');
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('parses what people paste', () => {
    const expected = '81 05 48';
    for (const text of ['81 05 48', '81\n05\n48\n', '  8105 48 ', '0x81 0x05 0x48', '0X81,0x05, 0x48', '810548', '0x810548', '81 05 48'.toUpperCase(), '\t81\r\n05 48']) {
      expect(toHex(fromHex(text)), text).toBe(expected);
    }
    expect(fromHex('')).toEqual(new Uint8Array(0));
    expect(fromHex(' \n ')).toEqual(new Uint8Array(0));
  });

  it('throws a RangeError naming the problem', () => {
    expect(() => fromHex('81 0g')).toThrow(/"g" in "0g" is not a hex digit/);
    expect(() => fromHex('81 5')).toThrow(/"5" has 1 hex digits/);
    expect(() => fromHex('0x')).toThrow(RangeError);
    expect(() => fromHex('81-05')).toThrow(RangeError);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
      }),
    );
  });
});
