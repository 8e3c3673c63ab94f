import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeAccept, isValidKey, WEBSOCKET_GUID } from '../../src/protocol/accept.js';

// RFC 6455 §1.3 and §4.2.2: the worked example of the spec itself.
const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

describe('computeAccept', () => {
  it('reproduces the RFC 6455 §1.3 example, every step', async () => {
    const result = await computeAccept(RFC_KEY);
    expect(result.concatenated).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(result.sha1Hex).toBe('b37a4f2cc0624f1690f64606cf385945b2bec4ea');
    expect(result.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('agrees with node:crypto (what ws itself uses) for random keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 16 }), async (nonce) => {
        const key = Buffer.from(nonce).toString('base64');
        const expected = createHash('sha1').update(key + WEBSOCKET_GUID);
        const { sha1Hex, accept } = await computeAccept(key);
        expect(sha1Hex).toBe(expected.copy().digest('hex'));
        expect(accept).toBe(expected.digest('base64'));
      }),
      { numRuns: 50 },
    );
  });
});

describe('isValidKey', () => {
  it('accepts the RFC key and any base64 of 16 random bytes', () => {
    expect(isValidKey(RFC_KEY)).toBe(true);
    for (let i = 0; i < 20; i++) expect(isValidKey(randomBytes(16).toString('base64'))).toBe(true);
  });

  it('refuses anything that is not base64 of exactly 16 bytes', () => {
    expect(isValidKey('abc')).toBe(false);
    expect(isValidKey('')).toBe(false);
    expect(isValidKey(Buffer.alloc(15, 7).toString('base64'))).toBe(false); // 20 chars, no padding
    expect(isValidKey(Buffer.alloc(17, 7).toString('base64'))).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ!=')).toBe(false); // "!" is not base64
    expect(isValidKey('dGhlIHNhbXBsZSBub25j*Q==')).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ')).toBe(false); // padding is part of the value
    expect(isValidKey(` ${RFC_KEY}`)).toBe(false);
    expect(isValidKey(`${RFC_KEY}\n`)).toBe(false);
  });

  it('says yes exactly for the base64 of 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(isValidKey(Buffer.from(bytes).toString('base64'))).toBe(bytes.length === 16);
      }),
    );
  });
});
