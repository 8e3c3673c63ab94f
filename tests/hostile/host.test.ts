import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server.ts';
import { errorOf, rawExchange, requestBytes } from '../helpers/hostile-raw.ts';
import { clientFrame, framesOf, OPCODES, rawWebSocket, upgradeRequest } from '../helpers/hostile-ws.ts';
import { startTestServer } from '../helpers/server.ts';

// DNS rebinding: a page on evil.example re-points its own name at this server; the browser then
// treats the server as same-origin with the page and sends `Host: evil.example`. Such requests
// must not open WebSockets or change state. IP literals (a classroom on 192.168.1.20:8080),
// localhost and the configured public origin are how the server is really reached.
const WS_PATHS = ['/ws/feed', '/ws/echo', '/ws/chat', '/ws/inspect'];
const CHANNEL_BODY = JSON.stringify({ intervalMs: 100, payloadBytes: 0, durationMs: 200 });

describe('host: DNS rebinding defence', () => {
  let server: RunningServer;
  let course: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ requestsPerSecondPerAddress: 100_000 });
    course = await startTestServer({ publicOrigin: 'https://course.example', requestsPerSecondPerAddress: 100_000 });
  });
  afterAll(async () => {
    await server.close();
    await course.close();
  });

  const upgrade = (target: RunningServer, path: string, host: string, origin?: string) =>
    rawExchange(target.port, upgradeRequest(path, origin ? { Origin: origin } : {}, host), { untilResponse: true });

  const createChannelAs = (target: RunningServer, host: string) =>
    rawExchange(target.port, requestBytes({ method: 'POST', target: '/api/channels', host, headers: { 'Content-Type': 'application/json' }, body: CHANNEL_BODY }), {
      untilResponse: true,
    });

  /** Opens a WebSocket with this Host (and Origin); returns the handshake status, and proves an echo works. */
  const opens = async (target: RunningServer, path: string, host: string, origin?: string) => {
    const ws = await rawWebSocket(target.port, path, { host, headers: origin ? { Origin: origin } : {} });
    try {
      if (ws.handshake.status === 101 && path === '/ws/echo') {
        await ws.write(clientFrame(OPCODES.text, 'hi'));
        await ws.until(() => framesOf(ws).some((f) => f.payload.toString() === 'Echo: hi'), 3000, 'the echo');
      }
      return ws.handshake.status;
    } finally {
      ws.destroy();
    }
  };

  const ALLOWED_HOSTS: [string, string | undefined][] = [
    ['192.168.1.20:8080', 'http://192.168.1.20:8080'],
    ['localhost', 'http://localhost:4321'],
    ['app.localhost:8080', 'http://app.localhost:8080'],
    ['[::1]:8080', undefined],
    ['10.0.0.7', undefined],
  ];

  it.each(WS_PATHS)(
    'answers an upgrade of %s with Host and Origin evil.example with 403 forbidden_host JSON and no 101, and opens it for IP, localhost Hosts',
    async (path) => {
      const { response, raw } = await upgrade(server, path, 'evil.example', 'http://evil.example');
      expect(raw.toString('latin1')).not.toMatch(/^HTTP\/1\.1 101/);
      expect(response?.status).toBe(403);
      expect(response?.headers['content-type']).toMatch(/^application\/json/);
      expect(errorOf(response)?.code).toBe('forbidden_host');
      // Without Origin (not a browser) the Host alone decides.
      const hostOnly = await upgrade(server, path, 'evil.example:8080');
      expect(hostOnly.response?.status).toBe(403);
      expect(errorOf(hostOnly.response)?.code).toBe('forbidden_host');
      for (const [host, origin] of ALLOWED_HOSTS) expect(await opens(server, path, host, origin), host).toBe(101);
    },
  );

  it('refuses POST /api/channels with Host evil.example (403 forbidden_host, no channel) and creates one with IP and localhost Hosts', async () => {
    const heldBefore = server.fairUse.channels.total;
    const { response } = await createChannelAs(server, 'evil.example');
    expect(response?.status).toBe(403);
    expect(errorOf(response)?.code).toBe('forbidden_host');
    expect(server.fairUse.channels.total).toBe(heldBefore);
    for (const host of ['192.168.1.20:8080', 'localhost', 'LOCALHOST:8080']) {
      const allowed = await createChannelAs(server, host);
      expect(allowed.response?.status, host).toBe(201);
      expect(JSON.parse(allowed.response!.body)).toEqual({ channel: expect.stringMatching(/^race-/) });
    }
  });

  it('refuses POST /api/inspect/:id/ping with Host evil.example: 403 forbidden_host', async () => {
    const { response } = await rawExchange(server.port, requestBytes({ method: 'POST', target: '/api/inspect/0123456789abcdef/ping', host: 'evil.example', body: '' }), {
      untilResponse: true,
    });
    expect(response?.status).toBe(403);
    expect(errorOf(response)?.code).toBe('forbidden_host');
  });

  it.each(['localhost.evil.example', '127.0.0.1.evil.example', 'evil.example.', 'course.example', 'evil.example:80@localhost'])(
    'refuses the look-alike Host %s on a server without that public origin',
    async (host) => {
      const { response } = await upgrade(server, '/ws/echo', host);
      // A Host that is not host[:port] at all (userinfo) is a malformed request (400); the
      // others name a host that is not ours (403). Refused either way: no 101, no channel.
      const malformed = host.includes('@');
      expect(response?.status).toBe(malformed ? 400 : 403);
      expect(errorOf(response)?.code).toBe(malformed ? 'bad_request' : 'forbidden_host');
      const heldBefore = server.fairUse.channels.total;
      expect([400, 403]).toContain((await createChannelAs(server, host)).response?.status);
      expect(server.fairUse.channels.total).toBe(heldBefore);
    },
  );

  it('allows the public origin’s host course.example (WebSockets, channels) and refuses course.example.evil.example', async () => {
    expect(await opens(course, '/ws/echo', 'course.example', 'https://course.example')).toBe(101);
    expect(await opens(course, '/ws/echo', 'course.example:443')).toBe(101);
    expect((await createChannelAs(course, 'course.example')).response?.status).toBe(201);
    const { response } = await upgrade(course, '/ws/echo', 'course.example.evil.example');
    expect(response?.status).toBe(403);
    expect(errorOf(response)?.code).toBe('forbidden_host');
    expect((await createChannelAs(course, 'course.example.evil.example')).response?.status).toBe(403);
  });

  it('refuses a foreign Origin on an allowed Host with 403 forbidden_origin JSON', async () => {
    const { response } = await upgrade(server, '/ws/echo', '127.0.0.1', 'http://evil.example');
    expect(response?.status).toBe(403);
    expect(errorOf(response)?.code).toBe('forbidden_origin');
  });
});
