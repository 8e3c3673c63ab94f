import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORTS, transportSpec } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from '../helpers/server.ts';

const expectError = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
};

/** Opens a WebSocket and resolves with how it ended: the HTTP status of a refusal or the close code. */
const socketOutcome = (url: string, options: WebSocket.ClientOptions = {}, send?: (ws: WebSocket) => void) =>
  new Promise<{ status?: number; code?: number }>((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_request, response) => resolve({ status: response.statusCode }));
    ws.on('open', () => send?.(ws));
    ws.on('close', (code) => resolve({ code }));
    ws.on('error', () => {});
  });

describe('bad input', () => {
  let server: RunningServer;
  let wsUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
    wsUrl = server.url.replace('http', 'ws');
  });
  afterAll(() => server.close());

  // Every transport answered over plain HTTP, from the catalog.
  describe.each(TRANSPORTS.filter((name) => transportSpec(name).kind !== 'socket'))('%s', (name) => {
    it.each([
      ['after=abc', 'bad_query'],
      ['after=-1', 'bad_query'],
      [`client=${'x'.repeat(65)}`, 'bad_query'],
      ['client=no%20spaces', 'bad_query'],
      ['channel=nope', 'not_found'],
    ])('answers %s with a JSON error', async (query, code) => {
      await expectError(await fetch(`${server.url}${transportSpec(name).path}?${query}`), code === 'not_found' ? 404 : 400, code);
    });
  });

  // The transports the catalog marks `post`: the same parameters in a JSON body, bounded.
  describe.each(TRANSPORTS.filter((name) => transportSpec(name).post))('POST %s', (name) => {
    const post = (body: string, query = '') => fetch(`${server.url}${transportSpec(name).path}${query}`, { method: 'POST', body });
    it.each([
      ['not json', 'bad_body'],
      ['[]', 'bad_body'],
      ['{"after":{"deep":1}}', 'bad_body'],
      ['{"after":"abc"}', 'bad_query'],
      ['{"channel":"nope"}', 'not_found'],
    ])('answers the body %s with a JSON error', async (body, code) => {
      await expectError(await post(body), code === 'not_found' ? 404 : 400, code);
    });

    it('refuses a body over 1 KiB with 413', async () => {
      await expectError(await post(JSON.stringify({ channel: 'ticker', pad: 'x'.repeat(2000) })), 413, 'payload_too_large');
    });

    it("streams like the GET, the body's parameters winning over the query's", async () => {
      const response = await post(JSON.stringify({ channel: 'ticker', after: '0' }), '?channel=nope&after=abc');
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      expect(new TextDecoder().decode(value)).toMatch(/"cursor":"[0-9a-z]{6}-0"/);
    });
  });

  it.each(TRANSPORTS.filter((name) => !transportSpec(name).post && transportSpec(name).kind !== 'socket'))('%s answers a POST with a JSON 405 (GET only)', async (name) => {
    await expectError(await fetch(`${server.url}${transportSpec(name).path}`, { method: 'POST', body: '{}' }), 405, 'method_not_allowed');
  });

  it.each(['timeout=-5', 'timeout=0', 'timeout=55001', 'timeout=soon'])('long-poll answers %s with 400', async (query) => {
    await expectError(await fetch(`${server.url}/api/long-poll?${query}`), 400, 'bad_query');
  });

  it('answers unknown paths with a JSON 404', async () => {
    await expectError(await fetch(`${server.url}/api/nothing-here`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/ws/nothing-here`), 404, 'not_found');
  });

  it.each([
    ['not json', 'bad_body'],
    [JSON.stringify({ intervalMs: 5, payloadBytes: 0, durationMs: 1000 }), 'bad_body'],
    [JSON.stringify({ intervalMs: 100, payloadBytes: 70_000, durationMs: 1000 }), 'bad_body'],
    [JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 300_001 }), 'bad_body'],
    [JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 1000, extra: 1 }), 'bad_body'],
  ])('POST /api/channels refuses %s with 400', async (body, code) => {
    await expectError(await fetch(`${server.url}/api/channels`, { method: 'POST', body }), 400, code);
  });

  it('POST /api/channels refuses a body over 4 KiB with 413', async () => {
    const body = JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 1000, pad: 'x'.repeat(5000) });
    await expectError(await fetch(`${server.url}/api/channels`, { method: 'POST', body }), 413, 'payload_too_large');
  });

  it('POST /api/channels answers 429 past the live-channel cap and frees the slot when a channel ends', async () => {
    const capped = await startTestServer({ maxPrivateChannels: 2 });
    try {
      const create = (durationMs: number) =>
        fetch(`${capped.url}/api/channels`, { method: 'POST', body: JSON.stringify({ intervalMs: 20, payloadBytes: 0, durationMs }) });
      expect((await create(60)).status).toBe(201);
      expect((await create(10_000)).status).toBe(201);
      await expectError(await create(1000), 429, 'too_many_channels');
      await new Promise((r) => setTimeout(r, 300)); // the 60 ms channel has published its 3 events
      expect((await create(1000)).status).toBe(201);
    } finally {
      await capped.close();
    }
  });

  it('refuses /api/stats with a malformed client id', async () => {
    await expectError(await fetch(`${server.url}/api/stats?client=${'y'.repeat(65)}`), 400, 'bad_query');
  });

  it('closes a WebSocket with 1009 when a message exceeds 64 KiB, and still echoes one that fits', async () => {
    expect(await socketOutcome(`${wsUrl}/ws/echo`, {}, (ws) => ws.send(Buffer.alloc(64 * 1024 + 1)))).toEqual({ code: 1009 });
    const echoed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsUrl}/ws/echo`);
      ws.on('open', () => ws.send(Buffer.alloc(64 * 1024)));
      ws.on('message', (data: Buffer) => (resolve(data.length), ws.close()));
    });
    expect(echoed).toBe(64 * 1024);
  });

  it('refuses an upgrade from a foreign Origin with 403, and allows its own and localhost', async () => {
    expect(await socketOutcome(`${wsUrl}/ws/echo`, { origin: 'https://evil.example' })).toEqual({ status: 403 });
    const allowed = await socketOutcome(`${wsUrl}/ws/echo`, { origin: server.url }, (ws) => ws.close(1000));
    expect(allowed).toEqual({ code: 1000 });
    const localhost = await socketOutcome(`${wsUrl}/ws/echo`, { origin: 'http://localhost:4321' }, (ws) => ws.close(1000));
    expect(localhost).toEqual({ code: 1000 });
  });

  it('refuses a bad query on a WebSocket endpoint with 400 before upgrading', async () => {
    expect(await socketOutcome(`${wsUrl}/ws/feed?after=abc`)).toEqual({ status: 400 });
    expect(await socketOutcome(`${wsUrl}/ws/chat?room=${'r'.repeat(65)}`)).toEqual({ status: 400 });
  });

  it('closes the feed socket with 1008 when the client sends to it', async () => {
    expect(await socketOutcome(`${wsUrl}/ws/feed`, {}, (ws) => ws.send('hello?'))).toEqual({ code: 1008 });
  });

  it('survives resets in the middle of WebSocket handshakes and keeps serving', async () => {
    const upgradeHead = (key: string) =>
      `GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`;
    const resets = Array.from({ length: 20 }, (_, i) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => {
          const head = upgradeHead('dGhlIHNhbXBsZSBub25jZQ==');
          // Half of them reset mid-head, half right after a complete head.
          socket.write(i % 2 ? head : head.slice(0, 40), () => socket.resetAndDestroy());
        });
        socket.on('close', () => resolve());
        socket.on('error', () => {});
      }),
    );
    await Promise.all(resets);
    const reply = await fetch(`${server.url}/api/short-poll`);
    expect(reply.status).toBe(200);
    expect(await socketOutcome(`${wsUrl}/ws/echo`, {}, (ws) => ws.close(1000))).toEqual({ code: 1000 });
  });

  it('answers garbage and oversized heads without falling over', async () => {
    const rawExchange = (bytes: string | Buffer) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
        let reply = '';
        socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
        socket.on('close', () => resolve(reply));
        socket.on('error', () => {});
        setTimeout(() => socket.destroy(), 2000);
      });
    expect(await rawExchange('\x16\x03\x01 not http at all\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(`GET /api/short-poll HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect((await fetch(`${server.url}/api/short-poll`)).status).toBe(200);
  });

  it('closes with 1002 when a client breaks RFC 6455 (an unmasked frame)', async () => {
    const code = await new Promise<number | undefined>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () =>
        socket.write(
          'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const frames = buffered.subarray(headEnd + 4);
        if (frames.length === 0) return socket.write(Buffer.from('810548656c6c6f', 'hex')); // unmasked "Hello"
        if (frames[0] === 0x88 && frames.length >= 4) resolve(frames.readUInt16BE(2));
      });
      socket.on('close', () => resolve(undefined));
      socket.on('error', () => {});
    });
    expect(code).toBe(1002);
  });
});
