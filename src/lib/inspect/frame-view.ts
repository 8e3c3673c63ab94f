// How the frame inspector lays a decoded frame out: byte segments for the byte grid (with big
// payloads cut to a preview, never 70,000 DOM nodes), bit positions, field values as text and
// the rows of the unmasking table. Pure functions over the teaching codec's DecodedFrame.

import type { DecodedFrame, FrameField } from '../../protocol/frame-codec.ts';
import { hex2 } from './bytes.ts';

export type FieldName = FrameField['name'];
export type SegmentId = 'byte0' | 'byte1' | 'extendedLength' | 'maskingKey' | 'payload';

/** A run of bytes the grid draws as one clickable group. */
export interface ByteSegment {
  id: SegmentId;
  /** The fields that live in these bytes (byte 0 packs five of them). */
  fields: FieldName[];
  /** The field a click on the segment selects. */
  primary: FieldName;
  /** Offset of the first byte in the frame. */
  start: number;
  /** The bytes drawn (all of them, or the payload's first `previewBytes`). */
  bytes: Uint8Array;
  /** Payload bytes not drawn. */
  more: number;
}

/** The byte grid of a frame: header bytes in full, the payload up to `previewBytes`. */
export function byteSegments(frame: DecodedFrame, raw: Uint8Array, previewBytes: number): ByteSegment[] {
  const segments: ByteSegment[] = [
    { id: 'byte0', fields: ['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode'], primary: 'opcode', start: 0, bytes: raw.subarray(0, 1), more: 0 },
    { id: 'byte1', fields: ['mask', 'payloadLength'], primary: 'payloadLength', start: 1, bytes: raw.subarray(1, 2), more: 0 },
  ];
  for (const field of frame.fields) {
    if (field.name !== 'extendedLength' && field.name !== 'maskingKey' && field.name !== 'payload') continue;
    const length = field.byteEnd - field.byteStart;
    const shown = field.name === 'payload' ? Math.min(length, previewBytes) : length;
    segments.push({
      id: field.name,
      fields: [field.name],
      primary: field.name,
      start: field.byteStart,
      bytes: raw.subarray(field.byteStart, field.byteStart + shown),
      more: length - shown,
    });
  }
  return segments;
}

/** Where a field sits, for the legend: bit range for packed fields, byte range otherwise. */
export function fieldPosition(field: FrameField): { unit: 'bit' | 'byte'; from: number; to: number } {
  if (field.bitStart !== undefined && field.bitLength !== undefined && field.bitLength < 16) {
    return { unit: 'bit', from: field.bitStart, to: field.bitStart + field.bitLength - 1 };
  }
  return { unit: 'byte', from: field.byteStart, to: field.byteEnd - 1 };
}

/** A field's value as the legend prints it (no words: the notes explain them). */
export function fieldValueText(field: FrameField): string {
  const { value } = field;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Uint8Array) {
    return field.name === 'payload' ? String(value.length) : Array.from(value, hex2).join(' ');
  }
  if (field.name === 'opcode') return `0x${value.toString(16).toUpperCase()}`;
  return String(value);
}

/** One bit of the first two bytes, with the field it belongs to. */
export interface BitCell {
  bit: number;
  value: 0 | 1;
  field: FieldName;
}

/** Bits 0–15 (bytes 0 and 1, where FIN … payload length are packed), most significant first. */
export function headerBits(frame: DecodedFrame, raw: Uint8Array): BitCell[] {
  const cells: BitCell[] = [];
  for (const field of frame.fields) {
    if (field.bitStart === undefined || field.bitLength === undefined || field.bitStart >= 16) continue;
    for (let bit = field.bitStart; bit < field.bitStart + field.bitLength; bit++) {
      const byte = raw[bit >> 3] ?? 0;
      cells.push({ bit, value: ((byte >> (7 - (bit & 7))) & 1) as 0 | 1, field: field.name });
    }
  }
  return cells;
}

/** One column of the unmasking table: wire byte XOR key byte = payload byte. */
export interface UnmaskRow {
  index: number;
  masked: number;
  key: number;
  plain: number;
}

/** The first `limit` payload bytes of a masked frame, unmasked one by one (§5.3). */
export function unmaskRows(frame: DecodedFrame, limit: number): UnmaskRow[] {
  const key = frame.maskingKey;
  if (key === null) return [];
  const count = Math.min(limit, frame.maskedPayload.length);
  return Array.from({ length: count }, (_, index) => ({
    index,
    masked: frame.maskedPayload[index]!,
    key: key[index & 3]!,
    plain: frame.payload[index]!,
  }));
}

/** The header's share of the frame's bytes, in whole percent. */
export function overheadPercent(frame: DecodedFrame): number {
  return frame.totalLength === 0 ? 0 : Math.round((frame.headerLength / frame.totalLength) * 100);
}
