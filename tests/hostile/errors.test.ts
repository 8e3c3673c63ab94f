import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { errorOf, rawExchange, requestBytes, type RawResponse } from '../helpers/hostile-raw.ts';
import { upgradeRequest } from '../helpers/hostile-ws.ts';
import { startTestServer } from '../helpers/server.ts';

// Every error is `{"error":{"code","message"}}` with its status, whoever answers it: Node's
// parser (clientError), the edge (targets, upgrades), or the app. Before the hardening Node and
// ws answered several of these with an empty or text/html body.

const expectJsonError = (response: RawResponse | null, status: number, code: string) => {
  expect(response, 'a response').not.toBeNull();
  expect(response!.status).toBe(status);
  expect(response!.headers['content-type']).toMatch(/^application\/json/);
  const error = errorOf(response);
  expect(error, `JSON error body, got ${JSON.stringify(response!.body)}`).not.toBeNull();
  expect(error!.code).toBe(code);
  expect(error!.message.length).toBeGreaterThan(0);
};

describe('errors: one JSON shape for every refusal', () => {
  let server: RunningServer;
  const send = (bytes: string | Buffer) => rawExchange(server.port, bytes, { untilResponse: true });
  beforeAll(async () => {
    server = await startTestServer({ requestsPerSecondPerAddress: 100_000 });
  });
  afterAll(() => server.close());

  describe("Node's parser errors", () => {
    it('answers garbage bytes with 400 bad_request JSON and closes', async () => {
      const { response, closedByServer } = await rawExchange(server.port, Buffer.from('16030100a5010000a103035f', 'hex'));
      expectJsonError(response, 400, 'bad_request');
      expect(closedByServer).toBe(true);
    });

    it('answers a 20 KiB header with 431 headers_too_large JSON', async () => {
      const { response } = await send(requestBytes({ target: '/api/time', headers: { 'X-Big': 'a'.repeat(20 * 1024) } }));
      expectJsonError(response, 431, 'headers_too_large');
    });

    it('answers a malformed header line with 400 bad_request JSON', async () => {
      const { response } = await send('GET /api/time HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n');
      expectJsonError(response, 400, 'bad_request');
    });

    it('answers an HTTP/1.1 request without Host with 400 bad_request JSON', async () => {
      // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
      const { response } = await send('GET /api/time HTTP/1.1\r\n\r\n');
      expectJsonError(response, 400, 'bad_request');
    });
  });

  describe('unusable targets', () => {
    it.each(['//[', '//a%zz', 'http://a:99999/'])('answers GET %s with 400 bad_request JSON', async (target) => {
      const { response } = await send(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expectJsonError(response, 400, 'bad_request');
    });

    it('answers a Host the URL parser rejects with 400 bad_request JSON', async () => {
      const { response } = await send('GET /api/time HTTP/1.1\r\nHost: localhost:99999\r\n\r\n');
      expectJsonError(response, 400, 'bad_request');
    });
  });

  describe('methods and upgrades', () => {
    it.each([
      ['DELETE', '/api/time', 'GET, HEAD'],
      ['POST', '/api/short-poll', 'GET, HEAD'],
      ['PUT', '/api/channels', 'POST'],
      ['GET', '/api/channels', 'POST'],
      ['PATCH', '/api/health', 'GET, HEAD'],
      ['POST', '/ws/feed', 'GET, HEAD'],
    ])('answers %s %s with 405 method_not_allowed and Allow: %s', async (method, target, allow) => {
      const { response } = await send(requestBytes({ method, target, body: method === 'GET' ? undefined : '{}' }));
      expectJsonError(response, 405, 'method_not_allowed');
      expect(response!.headers.allow).toBe(allow);
    });

    it.each(['/ws/feed', '/ws/echo', '/ws/chat', '/ws/inspect'])('answers a plain GET %s with 426 upgrade_required and Upgrade: websocket', async (path) => {
      const { response } = await send(requestBytes({ target: path }));
      expectJsonError(response, 426, 'upgrade_required');
      expect(response!.headers.upgrade).toBe('websocket');
    });

    it('answers Upgrade: websocket without Connection: Upgrade with 426, not a handshake', async () => {
      const { response } = await send(requestBytes({ target: '/ws/echo', headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } }));
      expectJsonError(response, 426, 'upgrade_required');
      expect(response!.headers.upgrade).toBe('websocket');
    });

    it('answers an upgrade to an unknown /ws/ path with 404 not_found JSON', async () => {
      const { response } = await send(upgradeRequest('/ws/nothing-here'));
      expectJsonError(response, 404, 'not_found');
    });

    it('answers a WebSocket upgrade with an unsupported Sec-WebSocket-Version with 426 JSON naming version 13, no 101', async () => {
      // RFC 6455 §4.4: refuse with an error such as 426 and say which version we speak.
      const { response } = await send(upgradeRequest('/ws/echo', { 'Sec-WebSocket-Version': '12' }));
      expectJsonError(response, 426, 'upgrade_required');
      expect(response!.headers['sec-websocket-version']).toBe('13');
    });

    it('answers a WebSocket upgrade without Sec-WebSocket-Key with 400 JSON, no 101', async () => {
      const head = 'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n';
      expectJsonError((await send(head)).response, 400, 'bad_request');
    });

    it('answers a POST upgrade to /ws/echo with 405 JSON and Allow, no 101', async () => {
      const { response } = await send(upgradeRequest('/ws/echo').toString('latin1').replace(/^GET/, 'POST'));
      expectJsonError(response, 405, 'method_not_allowed');
      expect(response!.headers.allow).toMatch(/GET/);
    });

    it('answers a WebSocket upgrade whose Host port is out of range with 400 JSON, not an empty 500', async () => {
      const { response } = await send(upgradeRequest('/ws/echo', {}, 'localhost:99999'));
      expectJsonError(response, 400, 'bad_request');
    });
  });

  describe('app errors', () => {
    it('validates since on /api/inspect/:id before looking the id up: 400 bad_query', async () => {
      const { response } = await send(requestBytes({ target: '/api/inspect/no-such-id?since=abc' }));
      expectJsonError(response, 400, 'bad_query');
    });

    it('answers GET /api/health with 200 and its documented shape', async () => {
      const { response } = await send(requestBytes({ target: '/api/health' }));
      expect(response!.status).toBe(200);
      const health = JSON.parse(response!.body) as Record<string, unknown>;
      expect(health).toEqual({
        status: 'ok',
        uptimeS: expect.any(Number),
        connections: { tcp: expect.any(Number), websockets: expect.any(Number), byTransport: expect.any(Object) },
        memory: { rssBytes: expect.any(Number), heapUsedBytes: expect.any(Number), externalBytes: expect.any(Number) },
        feed: { backend: 'memory' },
      });
      const { connections, memory } = health as { connections: { tcp: number; byTransport: Record<string, number> }; memory: { rssBytes: number } };
      expect(connections.tcp).toBeGreaterThanOrEqual(1); // this very request
      expect(Object.keys(connections.byTransport).sort()).toEqual([...TRANSPORTS].sort());
      expect(memory.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    });
  });
});
