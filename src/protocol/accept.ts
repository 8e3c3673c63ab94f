// The opening-handshake calculator: how a server turns Sec-WebSocket-Key into
// Sec-WebSocket-Accept (RFC 6455 §4.2.2 item 5, §1.3), step by step, so the handshake lesson can
// show every intermediate value. Browser and Node alike: Web Crypto and btoa, no node:crypto.

/** The fixed GUID of RFC 6455 §1.3. Proof the server read the key and speaks WebSocket. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2 item 5.4), with the two steps before
 * it. The key is used exactly as given (no trimming): the calculator shows what it hashes.
 * Rejects when Web Crypto is missing: browsers expose crypto.subtle only in secure contexts
 * (https:// or localhost).
 */
export async function computeAccept(
  key: string,
): Promise<{ concatenated: string; sha1Hex: string; accept: string }> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error('computeAccept needs Web Crypto (crypto.subtle): use https:// or localhost');
  }
  const concatenated = key + WEBSOCKET_GUID;
  const digest = new Uint8Array(
    await subtle.digest('SHA-1', new TextEncoder().encode(concatenated)),
  );
  const sha1Hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  // base64 of the 20 raw digest bytes, not of the hex text: a classic mistake to show.
  const accept = btoa(String.fromCharCode(...digest));
  return { concatenated, sha1Hex, accept };
}

/**
 * Whether a Sec-WebSocket-Key is a base64-encoded 16-byte value (§4.1 item 7, §11.3.1): 16 bytes
 * are 22 base64 characters plus "==". The same test ws's server applies before answering 101.
 */
export function isValidKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(key);
}
