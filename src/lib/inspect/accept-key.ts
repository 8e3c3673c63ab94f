// The Accept calculator's logic that is not hashing: why a typed key is not a valid
// Sec-WebSocket-Key, what it decodes to, and the terminal command that reproduces the hash.
// The hashing itself is src/protocol/accept.ts (Web Crypto).

import { isValidKey, WEBSOCKET_GUID } from '../../protocol/accept.ts';
import { fromBase64 } from './bytes.ts';

/** Why a key fails isValidKey, in the order a reader would fix it. */
export type KeyProblem =
  | { code: 'empty' }
  | { code: 'whitespace' }
  | { code: 'bad-char'; char: string; position: number }
  | { code: 'length'; length: number }
  | { code: 'padding' };

/**
 * Null for a valid key (base64 of exactly 16 bytes: 22 characters and "=="), otherwise the first
 * reason it is not. Agrees with isValidKey on every input (tests/unit/inspect-accept-key.test.ts).
 */
export function keyProblem(key: string): KeyProblem | null {
  if (isValidKey(key)) return null;
  if (key === '') return { code: 'empty' };
  if (/\s/.test(key)) return { code: 'whitespace' };
  const bad = /[^A-Za-z0-9+/=]/.exec(key);
  if (bad) return { code: 'bad-char', char: bad[0], position: bad.index + 1 };
  if (key.length !== 24) return { code: 'length', length: key.length };
  // 24 base64 characters but not "22 + ==": either 18 bytes (no padding) or '=' in the wrong place.
  return { code: 'padding' };
}

/** The 16 bytes a valid key stands for (the RFC example decodes to "the sample nonce"). */
export function keyBytes(key: string): Uint8Array | null {
  return isValidKey(key) ? fromBase64(key) : null;
}

/** Quotes a string for a POSIX shell: 'it'"'"'s'. Keys are base64 and never need it, but a
 * reader may paste anything into the calculator, and the command must stay safe to copy. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** One line that computes Sec-WebSocket-Accept in a terminal, for checking by hand. */
export function opensslCommand(key: string): string {
  return `printf '%s' ${shellQuote(key + WEBSOCKET_GUID)} | openssl sha1 -binary | base64`;
}

/** "b37a4f2c…" → "b37a4f2c c0624f16 …": groups of 8 hex digits, as RFC 6455 prints digests. */
export function groupHex(hex: string, size = 8): string {
  return hex.match(new RegExp(`.{1,${size}}`, 'g'))?.join(' ') ?? '';
}
