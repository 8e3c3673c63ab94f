import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecodeError, OPCODES, concat, controlFrame, decodeFrame, decodeFrames, encodeFrame, errorOf, expectSameBytes, frameOf, fromHex, maskingKey, payloadLength, pseudoRandomBytes, receiveWithWs, toHex, utf8, ws, type FrameDecodeErrorCode, type FrameField } from '../helpers/frame-fixtures.ts';

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
