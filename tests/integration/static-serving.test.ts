import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server.ts';
import { acceptedEncodings } from '../../server/static-files.ts';
import { wireBytes } from '../helpers/ledger-sums.ts';
import { startTestServer } from '../helpers/server.ts';

/**
 * The built site as the server sends it (server/static-files.ts), against a small fixture build
 * with precompressed variants the way scripts/postbuild.mjs writes them. Raw node:http, not
 * fetch: fetch would decompress and hide what was on the wire.
 */
const JS = `export const lesson = ${JSON.stringify('双向实时通信 '.repeat(400))};\n`;
const PAGE = `<!doctype html><html lang="zh-CN"><title>x</title><p>${'长轮询 '.repeat(300)}</p></html>`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Host and port apart from the path: a URL string would resolve `/../` before sending it.
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static serving', () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'static-serving-'));
    const site = join(dir, 'site');
    mkdirSync(join(site, '_astro'), { recursive: true });
    mkdirSync(join(site, 'zh'), { recursive: true });
    writeFileSync(join(site, '_astro', 'lesson.Ab12Cd.js'), JS);
    writeFileSync(join(site, '_astro', 'lesson.Ab12Cd.js.br'), brotliCompressSync(JS));
    writeFileSync(join(site, '_astro', 'lesson.Ab12Cd.js.gz'), gzipSync(JS));
    writeFileSync(join(site, 'zh', 'index.html'), PAGE);
    writeFileSync(join(site, 'zh', 'index.html.br'), brotliCompressSync(PAGE));
    writeFileSync(join(site, 'zh', 'index.html.gz'), gzipSync(PAGE));
    writeFileSync(join(site, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(site, '404.html'), '<!doctype html><title>404</title>');
    // A whole-second mtime, so If-Modified-Since (whole seconds) can name it exactly.
    utimesSync(join(site, 'zh', 'index.html'), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(dir, 'secret.txt'), 'outside the build');
    server = await startTestServer({ staticDir: site });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends brotli when accepted, with its own length, Vary and a year of immutable for a hashed asset', async () => {
    const r = await get(server.url, '/_astro/lesson.Ab12Cd.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['vary']).toBe('Accept-Encoding');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['content-type']).toMatch(/^text\/javascript/);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(Buffer.byteLength(JS) / 5);
    expect(brotliDecompressSync(r.body).toString()).toBe(JS);
  });

  it('falls back to gzip, then to the file itself, honouring q=0', async () => {
    const gz = await get(server.url, '/_astro/lesson.Ab12Cd.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(JS);
    const refused = await get(server.url, '/_astro/lesson.Ab12Cd.js', { 'accept-encoding': 'br;q=0, gzip;q=0.5' });
    expect(refused.headers['content-encoding']).toBe('gzip');
    for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await get(server.url, '/_astro/lesson.Ab12Cd.js', accept ? { 'accept-encoding': accept } : {});
      expect(plain.headers['content-encoding']).toBeUndefined();
      // Still Vary: a shared cache must not hand this copy to a browser that takes brotli, nor the reverse.
      expect(plain.headers['vary']).toBe('Accept-Encoding');
      expect(plain.body.toString()).toBe(JS);
      expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(JS));
    }
  });

  it('reads Accept-Encoding as RFC 9110 says: q-values, case, and * for the rest', () => {
    expect([...acceptedEncodings('gzip, deflate, br, zstd')].sort()).toEqual(['br', 'deflate', 'gzip', 'zstd']);
    expect([...acceptedEncodings('BR;Q=0.8')]).toEqual(['br']);
    expect([...acceptedEncodings('*;q=0.1, br;q=0')]).toEqual(['gzip']);
    expect([...acceptedEncodings('')]).toEqual([]);
  });

  it('has HTML revalidated: no-cache with ETag and Last-Modified, and 304 for either validator', async () => {
    const first = await get(server.url, '/zh/', { 'accept-encoding': 'br' });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers['content-type']).toMatch(/^text\/html/);
    expect(first.headers['content-security-policy']).toBeDefined(); // the page headers still apply
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-br"$/);
    expect(first.headers['last-modified']).toBe(new Date(1_700_000_000_000).toUTCString());

    const byTag = await get(server.url, '/zh/', { 'accept-encoding': 'br', 'if-none-match': `W/${etag}` });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect(byTag.headers['etag']).toBe(etag);
    expect(byTag.headers['vary']).toBe('Accept-Encoding');
    expect(byTag.headers['cache-control']).toBe('no-cache');

    // The gzip copy is another representation: brotli's tag does not validate it.
    const otherCoding = await get(server.url, '/zh/', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(otherCoding.status).toBe(200);
    expect(otherCoding.headers['etag']).not.toBe(etag);

    const byDate = await get(server.url, '/zh/index.html', { 'if-modified-since': first.headers['last-modified'] as string });
    expect(byDate.status).toBe(304);
    const stale = await get(server.url, '/zh/', { 'if-modified-since': new Date(1_600_000_000_000).toUTCString() });
    expect(stale.status).toBe(200);
    // If-None-Match wins: a stale tag means 200 even with a fresh date.
    const both = await get(server.url, '/zh/', { 'if-none-match': '"old"', 'if-modified-since': first.headers['last-modified'] as string });
    expect(both.status).toBe(200);
  });

  it('answers HEAD with the headers and length of GET and no body', async () => {
    const head = await get(server.url, '/_astro/lesson.Ab12Cd.js', { 'accept-encoding': 'br' }, 'HEAD');
    const body = await get(server.url, '/_astro/lesson.Ab12Cd.js', { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(body.headers['content-length']);
    expect(head.headers['content-encoding']).toBe('br');
  });

  it('sends a file without variants as it is, revalidated', async () => {
    const r = await get(server.url, '/favicon.svg', { 'accept-encoding': 'br, gzip' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['vary']).toBeUndefined();
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing file, a compressed variant asked by name, and traversal attempts with the 404 page', async () => {
    for (const path of ['/zh/nothing/', '/_astro/lesson.Ab12Cd.js.br', '/../secret.txt', '/%2e%2e/secret.txt', '/_astro/..%2f..%2fsecret.txt', '/zh/%2e%2e%2f%2e%2e%2fsecret.txt', '/zh%5c..%5c..%5csecret.txt']) {
      const r = await get(server.url, path, { 'accept-encoding': 'br' });
      expect(r.status, path).toBe(404);
      expect(r.body.toString(), path).not.toContain('outside the build');
      expect(r.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('leaves the byte ledger whole: every byte of a compressed 200 and a 304 is counted once', async () => {
    const client = 'static-ledger';
    const raw = (extra: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1');
        let bytes = 0;
        const req = `GET /zh/?client=${client} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: br\r\n${extra}Connection: close\r\n\r\n`;
        socket.on('connect', () => socket.write(req));
        socket.on('data', (c: Buffer) => (bytes += c.length));
        socket.on('close', () => resolve(bytes + Buffer.byteLength(req)));
        socket.on('error', reject);
      });
    const etag = (await get(server.url, '/zh/', { 'accept-encoding': 'br' })).headers['etag'] as string;
    const sent = (await raw('')) + (await raw(`If-None-Match: ${etag}\r\n`));
    await new Promise((r) => setTimeout(r, 50)); // the ledger files on the server's 'close'
    const figures = server.ledger.stats(client).other;
    expect(figures.requests).toBe(2);
    expect(wireBytes(figures)).toBe(sent);
  });
});
