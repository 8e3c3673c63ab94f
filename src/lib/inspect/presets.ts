// The frame inspector's preset messages: one size for each of the three payload length
// encodings of RFC 6455 §5.2 (7-bit up to 125, 7+16-bit up to 65,535, 7+64-bit beyond).

export const PRESET_SIZES = [5, 200, 70_000] as const;
export type PresetSize = (typeof PRESET_SIZES)[number];
export type MessageMode = 'text' | 'binary';

const FILLER = 'The quick brown fox jumps over the lazy dog. ';

/** A message of exactly `size` bytes: "Hello" for 5, readable ASCII text or counting bytes otherwise. */
export function presetMessage(size: PresetSize, mode: MessageMode): string | Uint8Array {
  const text = size === 5 ? 'Hello' : FILLER.repeat(Math.ceil(size / FILLER.length)).slice(0, size);
  if (mode === 'text') return text; // ASCII: one byte per character
  if (size === 5) return new TextEncoder().encode(text);
  return Uint8Array.from({ length: size }, (_, i) => i & 0xff);
}

/** Which length encoding a payload of this size uses, for labelling the presets. */
export function lengthEncodingFor(size: number): 7 | 16 | 64 {
  return size <= 125 ? 7 : size <= 0xffff ? 16 : 64;
}
