import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, fromHex, type DecodedFrame } from '../../src/protocol/frame-codec.ts';
import { byteSegments, fieldPosition, fieldValueText, headerBits, overheadPercent, unmaskRows } from '../../src/lib/inspect/frame-view.ts';
import { closeCodeMeaning, fieldNote, FIELD_TITLES, opcodeName, quoteReason } from '../../src/lib/inspect/frame-notes.ts';
import { lengthEncodingFor, PRESET_SIZES, presetMessage } from '../../src/lib/inspect/presets.ts';

function decode(bytes: Uint8Array): DecodedFrame {
  const result = decodeFrame(bytes);
  if ('error' in result) throw result.error;
  return result.frame;
}
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

// RFC 6455 §5.7: a masked "Hello" from a client.
const MASKED_HELLO = fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58');

describe('byteSegments', () => {
  it('groups the masked Hello into byte 0, byte 1, key and payload', () => {
    const frame = decode(MASKED_HELLO);
    const segments = byteSegments(frame, MASKED_HELLO, 48);
    expect(segments.map((s) => [s.id, s.start, hex(s.bytes), s.more])).toEqual([
      ['byte0', 0, '81', 0],
      ['byte1', 1, '85', 0],
      ['maskingKey', 2, '37 fa 21 3d', 0],
      ['payload', 6, '7f 9f 4d 51 58', 0],
    ]);
    expect(segments[0]!.fields).toEqual(['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode']);
  });

  it('draws only the first bytes of a big payload and counts the rest', () => {
    const raw = encodeFrame({ opcode: 2, payload: new Uint8Array(70_000), maskingKey: fromHex('01 02 03 04') });
    const segments = byteSegments(decode(raw), raw, 48);
    expect(segments.map((s) => s.id)).toEqual(['byte0', 'byte1', 'extendedLength', 'maskingKey', 'payload']);
    expect(hex(segments[2]!.bytes)).toBe('00 00 00 00 00 01 11 70'); // 70,000 in 64 bits
    const payload = segments[4]!;
    expect(payload.start).toBe(14);
    expect(payload.bytes.length).toBe(48);
    expect(payload.more).toBe(70_000 - 48);
    // Every byte of the frame is either drawn or counted.
    expect(segments.reduce((sum, s) => sum + s.bytes.length + s.more, 0)).toBe(raw.length);
  });

  it('has no key segment for a server frame and a 16-bit length for 200 bytes', () => {
    const raw = encodeFrame({ opcode: 1, payload: new Uint8Array(200).fill(0x61) });
    const segments = byteSegments(decode(raw), raw, 48);
    expect(segments.map((s) => s.id)).toEqual(['byte0', 'byte1', 'extendedLength', 'payload']);
    expect(hex(segments[2]!.bytes)).toBe('00 c8');
  });
});

describe('headerBits', () => {
  it('gives the 16 bits of bytes 0–1 in RFC order with their fields', () => {
    const cells = headerBits(decode(MASKED_HELLO), MASKED_HELLO);
    expect(cells.map((c) => c.value).join('')).toBe('1000000110000101'); // 0x81 0x85
    expect(cells.map((c) => c.bit)).toEqual([...Array(16).keys()]);
    expect(cells.filter((c) => c.field === 'opcode').map((c) => c.value).join('')).toBe('0001');
    expect(cells.filter((c) => c.field === 'payloadLength').map((c) => c.value).join('')).toBe('0000101');
  });
});

describe('unmaskRows', () => {
  it('XORs each wire byte with key[i % 4] into "Hello"', () => {
    const rows = unmaskRows(decode(MASKED_HELLO), 16);
    expect(rows.map((r) => r.key.toString(16))).toEqual(['37', 'fa', '21', '3d', '37']);
    for (const r of rows) expect(r.masked ^ r.key).toBe(r.plain);
    expect(String.fromCharCode(...rows.map((r) => r.plain))).toBe('Hello');
  });

  it('is empty for unmasked frames and cut at the limit otherwise', () => {
    expect(unmaskRows(decode(fromHex('81 05 48 65 6c 6c 6f')), 16)).toEqual([]);
    const raw = encodeFrame({ opcode: 1, payload: new Uint8Array(200), maskingKey: fromHex('aa bb cc dd') });
    expect(unmaskRows(decode(raw), 16)).toHaveLength(16);
  });
});

describe('field positions and values', () => {
  const frame = decode(MASKED_HELLO);
  const field = (name: string) => frame.fields.find((f) => f.name === name)!;

  it('prints bits for packed fields and bytes for the rest', () => {
    expect(fieldPosition(field('fin'))).toEqual({ unit: 'bit', from: 0, to: 0 });
    expect(fieldPosition(field('opcode'))).toEqual({ unit: 'bit', from: 4, to: 7 });
    expect(fieldPosition(field('payloadLength'))).toEqual({ unit: 'bit', from: 9, to: 15 });
    expect(fieldPosition(field('maskingKey'))).toEqual({ unit: 'byte', from: 2, to: 5 });
    expect(fieldPosition(field('payload'))).toEqual({ unit: 'byte', from: 6, to: 10 });
  });

  it('prints values as the legend shows them', () => {
    expect(fieldValueText(field('fin'))).toBe('1');
    expect(fieldValueText(field('rsv1'))).toBe('0');
    expect(fieldValueText(field('opcode'))).toBe('0x1');
    expect(fieldValueText(field('maskingKey'))).toBe('37 fa 21 3d');
    expect(fieldValueText(field('payload'))).toBe('5');
    const big = decode(encodeFrame({ opcode: 2, payload: new Uint8Array(70_000) }));
    expect(fieldValueText(big.fields.find((f) => f.name === 'extendedLength')!)).toBe('70000');
    expect(fieldValueText(big.fields.find((f) => f.name === 'payloadLength')!)).toBe('127');
  });

  it('computes the header share of a frame', () => {
    expect(overheadPercent(frame)).toBe(55); // 6 of 11 bytes
  });
});

describe('frame notes', () => {
  it('has a title and a meaning for every field in both languages', () => {
    for (const name of Object.keys(FIELD_TITLES) as (keyof typeof FIELD_TITLES)[]) {
      for (const lang of ['zh', 'en'] as const) {
        const note = fieldNote(name, decode(MASKED_HELLO), lang);
        expect(note.title && note.meaning && note.value).toBeTruthy();
      }
    }
  });

  it('talks about the value this frame has', () => {
    const masked = decode(MASKED_HELLO);
    const server = decode(fromHex('81 05 48 65 6c 6c 6f'));
    expect(fieldNote('mask', masked, 'en').value).toMatch(/^Here 1/);
    expect(fieldNote('mask', server, 'en').value).toMatch(/^Here 0/);
    expect(fieldNote('payloadLength', decode(encodeFrame({ opcode: 1, payload: new Uint8Array(200) })), 'en').value).toMatch(/126/);
    expect(fieldNote('payloadLength', decode(encodeFrame({ opcode: 2, payload: new Uint8Array(70_000) })), 'zh').value).toMatch(/127/);
    const close = decode(encodeFrame({ opcode: 8, payload: Uint8Array.from([0x03, 0xf1]) }));
    expect(fieldNote('payload', close, 'en').value).toMatch(/1009 \(message too big\)/);
  });

  it('names opcodes and close codes, including the private range', () => {
    expect(opcodeName(1, 'en')).toBe('text');
    expect(opcodeName(10, 'zh')).toBe('pong');
    expect(opcodeName(3, 'en')).toBe('0x3');
    expect(closeCodeMeaning(1000, 'en')).toBe('normal closure');
    expect(closeCodeMeaning(1009, 'zh')).toBe('消息太大');
    expect(closeCodeMeaning(4000, 'en')).toMatch(/private/);
    expect(closeCodeMeaning(3001, 'en')).toMatch(/registered/);
  });

  it('quotes close reasons, and says so when there is none (1009 from ws carries none)', () => {
    expect(quoteReason('see you', 'en')).toBe('“see you”');
    expect(quoteReason('', 'en')).toBe('(empty)');
    expect(quoteReason('', 'zh')).toBe('（空）');
  });
});

describe('presets', () => {
  it('hits each of the three length encodings with exactly its size, text and binary', () => {
    expect(PRESET_SIZES.map(lengthEncodingFor)).toEqual([7, 16, 64]);
    for (const size of PRESET_SIZES) {
      const text = presetMessage(size, 'text');
      const binary = presetMessage(size, 'binary');
      expect(typeof text === 'string' && new TextEncoder().encode(text).length).toBe(size);
      expect(binary instanceof Uint8Array && binary.length).toBe(size);
    }
    expect(presetMessage(5, 'text')).toBe('Hello');
    expect(lengthEncodingFor(125)).toBe(7);
    expect(lengthEncodingFor(126)).toBe(16);
    expect(lengthEncodingFor(65_535)).toBe(16);
    expect(lengthEncodingFor(65_536)).toBe(64);
  });
});
