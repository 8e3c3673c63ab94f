// Small byte and number helpers shared by the inspect demos. Browser and Node alike: atob,
// TextDecoder and Intl only.

import type { Locale } from '../../i18n/ui.ts';

/** The bytes of a base64 string (what /api/inspect returns); empty for empty input. */
export function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Base64 of bytes, the inverse of fromBase64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * HTTP heads as text, one character per byte (ISO-8859-1), so that string positions are byte
 * positions and a stray non-ASCII byte shows up as one odd character instead of vanishing.
 */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** One byte as two lowercase hex digits. */
export const hex2 = (byte: number): string => byte.toString(16).padStart(2, '0');

/** One byte as eight binary digits, most significant first (the RFC's bit order). */
export const bits8 = (byte: number): string => byte.toString(2).padStart(8, '0');

/** A byte as a printable character for the unmasking table, or a middle dot. */
export function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·';
}

/** 70000 → "70,000" in both locales (Chinese also groups by thousands in technical text). */
export function formatCount(n: number | bigint, lang: Locale): string {
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US').format(n);
}

/** A byte size for meters: 1536 → "1.5 KiB"; exact bytes below 1 KiB. */
export function formatSize(bytes: number, lang: Locale): string {
  if (bytes < 1024) return `${formatCount(bytes, lang)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Clock time with milliseconds, for event logs: "14:03:07.042". */
export function clockTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** At most `max` characters of a string, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The WebSocket URL of a path on this page's own server (http → ws, https → wss). */
export function socketUrl(path: string, origin: string): string {
  return origin.replace(/^http/, 'ws') + path;
}
