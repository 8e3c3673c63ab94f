import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../helpers/hostile-child.ts';
import { errorOf, inBatches, rawExchange, requestBytes } from '../helpers/hostile-raw.ts';
import { upgradeRequest } from '../helpers/hostile-ws.ts';

// Request targets that no URL parser accepts used to reach code that parsed them without a
// try (the socket tap's classifier, the adapter): one request took the whole process down.
// The server runs as production runs it (server/main.ts in its own process), so a crash shows
// as the process exiting.
const BAD_TARGETS = ['//[', '//a%zz', 'http://a:99999/'];

const run = promisify(execFile);

describe('crash: unparseable request targets', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer({}, { mode: 'main', env: { REQUESTS_PER_SECOND_PER_ADDRESS: '100000' } });
  });
  afterAll(() => server.kill());

  const expectServing = async () => {
    expect(server.alive).toBe(true);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
  };

  it.each(BAD_TARGETS)('answers a raw `GET %s HTTP/1.1` with 400 JSON and keeps serving', async (target) => {
    const { response } = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { untilResponse: true });
    expect(response?.status).toBe(400);
    expect(response?.headers['content-type']).toMatch(/^application\/json/);
    expect(errorOf(response)?.code).toBe('bad_request');
    await expectServing();
  });

  it.each(BAD_TARGETS)('answers `%s` as a WebSocket upgrade with 400 JSON and no 101', async (target) => {
    const { response } = await rawExchange(server.port, upgradeRequest(target), { untilResponse: true });
    expect(response?.status).toBe(400);
    expect(errorOf(response)?.code).toBe('bad_request');
    await expectServing();
  });

  it.each(['POST', 'HEAD', 'OPTIONS', 'DELETE'])('answers %s with each bad target without dying', async (method) => {
    for (const target of BAD_TARGETS) {
      const { response } = await rawExchange(server.port, requestBytes({ method, target, body: method === 'POST' ? '{}' : undefined }), {
        untilResponse: true,
        headResponse: method === 'HEAD',
      });
      expect(response?.status, `${method} ${target}`).toBe(400);
      if (method !== 'HEAD') expect(errorOf(response)?.code, `${method} ${target}`).toBe('bad_request');
    }
    await expectServing();
  });

  it('answers the bad targets sent by fetch and by curl -g with 400 JSON', async () => {
    // fetch keeps `//[` and `//a%zz` as they are (the WHATWG URL parser passes them through).
    for (const path of ['//[', '//a%zz']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
    const curl = async (...args: string[]) => {
      const { stdout } = await run('curl', ['-sS', '-g', '--max-time', '5', '-w', '\n%{http_code}', ...args]);
      const lines = stdout.split('\n');
      return { status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') };
    };
    for (const target of BAD_TARGETS) {
      const { status, body } = await curl('--request-target', target, `${server.url}/`);
      expect(status, target).toBe(400);
      expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('bad_request');
    }
    await expectServing();
  });

  it('survives 600 hostile heads in parallel (bad targets, CONNECT, absolute forms, stray bytes) and keeps serving', async () => {
    const heads = [
      ...BAD_TARGETS.map((target) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
      ...BAD_TARGETS.map((target) => upgradeRequest(target).toString('latin1')),
      'GET http://[::1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /api/sse?after=%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /ws/feed?channel=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n',
      'GET http://127.0.0.1:1/api/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /api/time HTTP/1.1\r\nHost: [::1\r\n\r\n',
      'GET /api/time HTTP/1.1\r\nHost: a:99999\r\n\r\n',
      '\x00\x01\x02\x03\r\n\r\n',
    ];
    const statuses = await inBatches(600, 30, async (i) => {
      const { response } = await rawExchange(server.port, heads[i % heads.length]!, { untilResponse: true, waitMs: 3000 });
      return response?.status ?? 0;
    });
    // Nothing answered 5xx (a 500 is a bug by the error table's own definition).
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    await expectServing();
    expect(server.output).not.toMatch(/BUG:|Uncaught|TypeError|RangeError/);
  });
});
