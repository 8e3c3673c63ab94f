import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidKey } from '../../src/protocol/accept.ts';
import { groupHex, keyBytes, keyProblem, opensslCommand, shellQuote } from '../../src/lib/inspect/accept-key.ts';
import { headerNote, type HeadSide } from '../../src/lib/inspect/header-notes.ts';
import { headerValue, parseHead } from '../../src/lib/inspect/http-head.ts';

const encode = (text: string) => new TextEncoder().encode(text);

// What Chromium really sent to /ws/inspect (tests/e2e/inspect.test.ts sees the live one).
const REQUEST = [
  'GET /ws/inspect HTTP/1.1',
  'Host: 127.0.0.1:41183',
  'Connection: Upgrade',
  'Pragma: no-cache',
  'User-Agent: Mozilla/5.0',
  'Upgrade: websocket',
  'Origin: http://127.0.0.1:41183',
  'Sec-WebSocket-Version: 13',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Cookie: demo=hello',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
  'Sec-Fetch-Mode: websocket',
  'X-Something: 1',
  '',
  '',
].join('\r\n');
const RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

describe('parseHead', () => {
  it('splits a head into lines whose byte counts add up to the whole head', () => {
    const bytes = encode(REQUEST);
    const lines = parseHead(bytes);
    expect(lines).toHaveLength(15);
    expect(lines[0]).toMatchObject({ kind: 'start', text: 'GET /ws/inspect HTTP/1.1', start: 0, length: 26, ending: '\r\n' });
    expect(lines.at(-1)).toMatchObject({ kind: 'end', text: '', length: 2 });
    expect(lines.reduce((sum, line) => sum + line.length, 0)).toBe(bytes.length);
    for (const line of lines) expect(REQUEST.slice(line.start, line.start + line.length)).toBe(line.text + line.ending);
  });

  it('keeps header names as sent and trims values; looks names up case-insensitively', () => {
    const lines = parseHead(encode(REQUEST));
    const key = lines.find((l) => l.name === 'Sec-WebSocket-Key');
    expect(key?.value).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(headerValue(lines, 'sec-websocket-key')).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(headerValue(lines, 'SEC-WEBSOCKET-VERSION')).toBe('13');
    expect(headerValue(lines, 'sec-websocket-protocol')).toBeNull();
  });

  it('shows bare LFs and a missing blank line as they are instead of hiding them', () => {
    const lines = parseHead(encode('HTTP/1.1 101 OK\nUpgrade: websocket'));
    expect(lines.map((l) => [l.kind, l.ending, l.length])).toEqual([
      ['start', '\n', 16],
      ['header', '', 18],
    ]);
  });

  it('maps every byte to one character (latin1), so positions are byte positions', () => {
    const bytes = Uint8Array.from([...encode('GET / HTTP/1.1\r\nX: '), 0xe4, 0xbd, 0xa0, ...encode('\r\n\r\n')]);
    const lines = parseHead(bytes);
    expect(lines[1]!.length).toBe(8);
    expect(lines.reduce((sum, l) => sum + l.length, 0)).toBe(bytes.length);
  });
});

describe('headerNote', () => {
  const note = (text: string, side: HeadSide, index: number) => headerNote(parseHead(encode(text))[index]!, side);

  it('explains every line of a real handshake, both languages, with who set it', () => {
    for (const [text, side] of [[REQUEST, 'request'], [RESPONSE, 'response']] as const) {
      for (const line of parseHead(encode(text))) {
        const n = headerNote(line, side);
        expect(n.meaning.zh.length).toBeGreaterThan(5);
        expect(n.meaning.en.length).toBeGreaterThan(5);
        if (n.check) expect(n.check.zh && n.check.en).toBeTruthy();
      }
    }
  });

  it('names the right note and setter for the handshake headers', () => {
    const ids = parseHead(encode(REQUEST)).map((l) => headerNote(l, 'request'));
    const byId = Object.fromEntries(ids.map((n) => [n.id, n]));
    expect(ids[0]!.id).toBe('request-line');
    expect(byId['origin']?.setBy).toEqual(['browser']);
    expect(byId['origin']?.check?.en).toMatch(/CSWSH/);
    expect(byId['cookie']?.setBy).toEqual(['page', 'browser']);
    expect(byId['sec-websocket-extensions']?.meaning.en).toMatch(/permessage-deflate/);
    expect(byId['sec-websocket-key']?.check?.en).toMatch(/400/);
    expect(byId['sec-websocket-version']?.check?.en).toMatch(/426/);
    expect(byId['sec-fetch-mode']?.setBy).toEqual(['browser']); // the sec-fetch-* family
    expect(byId['other']).toBeDefined(); // X-Something: the generic note, not nothing
    expect(ids.at(-1)!.id).toBe('end');
  });

  it('uses the response notes for the 101', () => {
    expect(note(RESPONSE, 'response', 0).id).toBe('status-line');
    expect(note(RESPONSE, 'response', 3)).toMatchObject({ id: 'sec-websocket-accept', setBy: ['server'] });
    // The same header name means something else on the other side.
    expect(note(RESPONSE, 'response', 2).meaning.en).not.toBe(note(REQUEST, 'request', 2).meaning.en);
  });
});

describe('keyProblem', () => {
  it('accepts exactly what isValidKey accepts (random strings and real keys)', () => {
    const keyish = fc.string({ unit: fc.constantFrom(...'AZaz09+/= x-\t'.split('')), maxLength: 30 });
    fc.assert(fc.property(fc.oneof(keyish, fc.string()), (key) => {
      expect(keyProblem(key) === null).toBe(isValidKey(key));
    }));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (nonce) => {
        expect(keyProblem(Buffer.from(nonce).toString('base64'))).toBeNull();
      }),
    );
  });

  it('says why a key is invalid', () => {
    expect(keyProblem('')).toEqual({ code: 'empty' });
    expect(keyProblem('dGhlIHNhbXBsZSBub25jZQ== ')).toEqual({ code: 'whitespace' });
    expect(keyProblem('dGhlIHNhbXBsZSBub25jZQ-=')).toEqual({ code: 'bad-char', char: '-', position: 23 });
    expect(keyProblem('abc')).toEqual({ code: 'length', length: 3 });
    expect(keyProblem('dGhlIHNhbXBsZSBub25jZQ')).toEqual({ code: 'length', length: 22 });
    expect(keyProblem('dGhlIHNhbXBsZSBub25jZQab')).toEqual({ code: 'padding' }); // 18 bytes, no padding
    expect(keyProblem('dGhlIHNhbXBsZSBub25jZ===')).toEqual({ code: 'padding' });
  });

  it('decodes a valid key to its 16 bytes (the RFC key is "the sample nonce")', () => {
    expect(new TextDecoder().decode(keyBytes('dGhlIHNhbXBsZSBub25jZQ==')!)).toBe('the sample nonce');
    expect(keyBytes('nope')).toBeNull();
  });
});

describe('opensslCommand', () => {
  it('is the documented one-liner', () => {
    expect(opensslCommand('dGhlIHNhbXBsZSBub25jZQ==')).toBe(
      "printf '%s' 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11' | openssl sha1 -binary | base64",
    );
  });

  it('really computes the Accept in a shell (RFC 6455 example)', () => {
    const out = execFileSync('sh', ['-c', opensslCommand('dGhlIHNhbXBsZSBub25jZQ==')], { encoding: 'utf8' });
    expect(out.trim()).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('quotes anything a reader pastes, so the command stays one harmless printf', () => {
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    const pasted = "a'b $(echo x) ";
    const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(pasted)}`], { encoding: 'utf8' });
    expect(out).toBe("a'b $(echo x) ");
  });

  it('groups a digest like the RFC prints it', () => {
    expect(groupHex('b37a4f2cc0624f1690f64606cf385945b2bec4ea')).toBe('b37a4f2c c0624f16 90f64606 cf385945 b2bec4ea');
  });
});
