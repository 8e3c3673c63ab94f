// The leaf half of the teaching codec: opcode names, header sizes, masking, UTF-8 and close-code
// rules, the list of fields the frame inspector highlights, and the hex helpers of its calculator
// inputs. Import it through frame-codec.ts, which re-exports the public part.
// Browser and Node alike: plain Uint8Array and strings, no Buffer.

/**
 * One field of a frame, positioned relative to the frame's first byte so a UI can highlight it.
 * `bitStart`/`bitLength` use the numbering of the RFC 6455 §5.2 diagram (bit 0 = the most
 * significant bit of byte 0); the payload has no bit range, only bytes.
 * `value`: booleans for the 1-bit flags, numbers for opcode, the 7-bit length and a 16-bit
 * extended length, a bigint for a 64-bit extended length (it is a 64-bit field on the wire),
 * the 4 key bytes for maskingKey, and the bytes exactly as on the wire (still masked) for payload.
 */
export interface FrameField {
  name:
    | 'fin'
    | 'rsv1'
    | 'rsv2'
    | 'rsv3'
    | 'opcode'
    | 'mask'
    | 'payloadLength'
    | 'extendedLength'
    | 'maskingKey'
    | 'payload';
  byteStart: number;
  /** Exclusive. */
  byteEnd: number;
  bitStart?: number;
  bitLength?: number;
  value: number | bigint | Uint8Array | boolean;
}

/** Opcode names (RFC 6455 §5.2, registry §11.8). 3–7 and 11–15 are reserved: absent here. */
export const OPCODES: Readonly<Record<number, string>> = Object.freeze({
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
});

/** Header size for a payload (§5.2): 2 bytes, +2 for a 16-bit or +8 for a 64-bit length, +4 if
 * masked. Throws a RangeError unless payloadLength is a non-negative safe integer. */
export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`frameHeaderLength: ${payloadLength} is not a payload length`);
  }
  const base = payloadLength <= 125 ? 2 : payloadLength <= 0xffff ? 4 : 10;
  return masked ? base + 4 : base;
}

/** ignoreBOM: keep a leading U+FEFF, the inspector shows what was sent, not a cleaned string. */
function utf8Decoder() {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/** UTF-8 checking across the fragments of one message: the returned function throws as soon as
 * the bytes so far cannot be UTF-8, and on the last fragment if a character is left unfinished. */
export function utf8Stream(): (fragment: Uint8Array, last: boolean) => void {
  const decoder = utf8Decoder();
  return (fragment, last) => void decoder.decode(fragment, { stream: !last });
}

/** The bytes as a string, or null when they are not valid UTF-8. */
export function utf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder().decode(bytes);
  } catch {
    return null;
  }
}

/** Close codes allowed on the wire (§7.4.1, §7.4.2); the same rule ws's Receiver applies. */
export function isWireCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true; // registered (3xxx) and private (4xxx) codes
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** XORs with key[i % 4] (§5.3); masking and unmasking are the same operation. Returns a new
 * array. Throws a RangeError unless the key has exactly 4 bytes. */
export function applyMask(data: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== 4) throw new RangeError(`applyMask: a masking key has 4 bytes, not ${key.length}`);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[i & 3]!;
  return out;
}

/** What the decoder read, in wire order; enough to lay out every field. */
export interface HeaderLayout {
  byte0: number;
  byte1: number;
  lengthEncoding: 7 | 16 | 64;
  /** The 16-bit (number) or 64-bit (bigint) extended length; null for the 7-bit encoding. */
  extendedLength: number | bigint | null;
  maskingKey: Uint8Array | null;
  /** The payload bytes as on the wire (masked when the frame is masked). */
  wirePayload: Uint8Array;
}

function bits(
  name: FrameField['name'],
  bitStart: number,
  bitLength: number,
  value: FrameField['value'],
): FrameField {
  return {
    name,
    byteStart: bitStart >> 3,
    byteEnd: (bitStart + bitLength + 7) >> 3,
    bitStart,
    bitLength,
    value,
  };
}

/** The fields of a frame in wire order (RFC 6455 §5.2), always including a (maybe empty) payload. */
export function frameFields(layout: HeaderLayout): FrameField[] {
  const { byte0, byte1 } = layout;
  const fields: FrameField[] = [
    bits('fin', 0, 1, (byte0 & 0x80) !== 0),
    bits('rsv1', 1, 1, (byte0 & 0x40) !== 0),
    bits('rsv2', 2, 1, (byte0 & 0x20) !== 0),
    bits('rsv3', 3, 1, (byte0 & 0x10) !== 0),
    bits('opcode', 4, 4, byte0 & 0x0f),
    bits('mask', 8, 1, (byte1 & 0x80) !== 0),
    bits('payloadLength', 9, 7, byte1 & 0x7f),
  ];
  let byte = 2;
  if (layout.extendedLength !== null) {
    fields.push(bits('extendedLength', 16, layout.lengthEncoding, layout.extendedLength));
    byte += layout.lengthEncoding / 8;
  }
  if (layout.maskingKey !== null) {
    fields.push(bits('maskingKey', byte * 8, 32, layout.maskingKey));
    byte += 4;
  }
  const payload = layout.wirePayload;
  fields.push({ name: 'payload', byteStart: byte, byteEnd: byte + payload.length, value: payload });
  return fields;
}

/** Bytes as lowercase hex pairs separated by single spaces: "81 05 48 65 6c 6c 6f". */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Parses what a reader types or pastes into a calculator: hex bytes separated by any whitespace
 * (newlines too) or commas, each group optionally prefixed with 0x, in either case
 * ("81 05", "0x81,0x05", "8105" all give the same two bytes).
 * THROWS a RangeError naming the offending group on a non-hex character or an odd number of
 * digits (a lone "5" is ambiguous, so it is refused rather than guessed as "05").
 */
export function fromHex(text: string): Uint8Array {
  let digits = '';
  for (const group of text.split(/[\s,]+/)) {
    if (group === '') continue;
    const body = /^0x/i.test(group) ? group.slice(2) : group;
    const bad = /[^0-9a-f]/i.exec(body);
    if (bad !== null) {
      throw new RangeError(`fromHex: "${bad[0]}" in "${group}" is not a hex digit (0-9, a-f)`);
    }
    if (body.length === 0 || body.length % 2 !== 0) {
      throw new RangeError(
        `fromHex: "${group}" has ${body.length} hex digits; write every byte as two digits (05, not 5)`,
      );
    }
    digits += body;
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
