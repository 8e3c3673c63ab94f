import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPCODES, applyMask, concat, controlFrame, dataFrame, decodeFrame, decodeFrames, encodeFrame, errorOf, expectFieldsTile, expectSameBytes, frameHeaderLength, frameOf, fromHex, maskingKey, payloadLength, pseudoRandomBytes, receiveWithWs, toHex, utf8, utf8Text, ws, wsFrame } from '../helpers/frame-fixtures.ts';

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
