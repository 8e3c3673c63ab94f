import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { errorOf, RawConnection, rawExchange, requestBytes, type RawResponse } from '../helpers/hostile-raw.ts';
import { rawWebSocket, upgradeRequest } from '../helpers/hostile-ws.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

// One client address must not be able to take what everyone shares: TCP connections, streams,
// request rate, private channels, ping and message rates. Every limit is lowered here so it is
// reached in a few requests; every refusal is a 429 JSON with Retry-After or a documented close
// code; and another address is unaffected. Addresses are simulated with TRUST_PROXY and
// X-Forwarded-For (the last entry is the proxy's word), or with a second loopback address.

const expect429 = (response: RawResponse | null, code: string) => {
  expect(response?.status, JSON.stringify(response?.body)).toBe(429);
  expect(response!.headers['content-type']).toMatch(/^application\/json/);
  expect(errorOf(response)?.code).toBe(code);
  const retryAfter = response!.headers['retry-after'];
  expect(retryAfter, 'Retry-After').toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
};

const xff = (address: string) => ({ 'X-Forwarded-For': address });

describe('fair use per address (behind a proxy: X-Forwarded-For)', () => {
  let server: RunningServer;
  let wsUrl: string;
  beforeAll(async () => {
    server = await startTestServer({
      trustProxy: true,
      streamsPerAddress: 3,
      requestsPerSecondPerAddress: 2, // 20 per 10 s window
      privateChannelsPerAddress: 3,
      maxPrivateChannels: 8,
      wsMessagesPerSecondPerAddress: 2, // 20 per window
      wsPingsPerSecondPerAddress: 1, // 10 per window
      wsPingIntervalMs: 60_000,
    });
    wsUrl = server.url.replace('http', 'ws');
  });
  afterAll(() => server.close());

  const get = (target: string, address: string, extra: Record<string, string> = {}) =>
    rawExchange(server.port, requestBytes({ target, headers: { ...xff(address), ...extra } }), { untilResponse: true });
  const openStream = async (target: string, address: string) => {
    const connection = new RawConnection(server.port);
    await connection.connected;
    await connection.write(requestBytes({ target, headers: xff(address) }));
    await connection.until(() => connection.response, 3000, `the response to ${target}`);
    return connection;
  };
  const createChannel = (address: string) =>
    rawExchange(
      server.port,
      requestBytes({ method: 'POST', target: '/api/channels', headers: { ...xff(address), 'Content-Type': 'application/json' }, body: JSON.stringify({ intervalMs: 1000, payloadBytes: 0, durationMs: 20_000 }) }),
      { untilResponse: true },
    );

  describe('streams (streamsPerAddress 3)', () => {
    it('refuses a 4th SSE stream, WebSocket or held long poll with 429 too_many_connections; another address is served', async () => {
      const held: RawConnection[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const stream = await openStream('/api/sse', '10.1.0.1');
          expect(stream.response?.status).toBe(200);
          held.push(stream);
        }
        expect429((await get('/api/sse', '10.1.0.1')).response, 'too_many_connections');
        // A WebSocket is refused on the upgrade itself: a JSON 429, never a 101.
        const upgrade = await rawExchange(server.port, upgradeRequest('/ws/feed', xff('10.1.0.1')), { untilResponse: true });
        expect(upgrade.raw.toString('latin1')).not.toMatch(/^HTTP\/1\.1 101/);
        expect429(upgrade.response, 'too_many_connections');
        // A long poll that would be held (on a channel that has ended) counts as a stream too.
        const created = await rawExchange(
          server.port,
          requestBytes({ method: 'POST', target: '/api/channels', headers: xff('10.1.0.9'), body: JSON.stringify({ intervalMs: 20, payloadBytes: 0, durationMs: 20 }) }),
          { untilResponse: true },
        );
        const idle = (JSON.parse(created.response!.body) as { channel: string }).channel;
        const idleCursor = await waitFor(() => (server.feed.get(idle)?.latestSeq === 1 ? server.feed.get(idle)!.cursorAt(1) : null), 3000, 'the idle channel');
        expect429((await get(`/api/long-poll?channel=${idle}&after=${idleCursor}&timeout=5000`, '10.1.0.1')).response, 'too_many_connections');
        // What the client puts left of the proxy's entry proves nothing and changes nothing.
        expect429((await get('/api/sse', '10.1.0.1', { 'X-Forwarded-For': '203.0.113.7, 10.1.0.1' })).response, 'too_many_connections');

        const other = await openStream('/api/sse', '10.1.0.2');
        held.push(other);
        expect(other.response?.status).toBe(200);
        const otherSocket = await rawWebSocket(server.port, '/ws/feed', { headers: xff('10.1.0.2') });
        held.push(otherSocket);
        expect(otherSocket.handshake.status).toBe(101);

        // Closing one stream gives its slot back.
        held[0]!.destroy();
        await waitFor(() => server.fairUse.streams.count('10.1.0.1') === 2, 3000, 'the slot to be released');
        const again = await openStream('/api/sse', '10.1.0.1');
        held.push(again);
        expect(again.response?.status).toBe(200);
      } finally {
        for (const connection of held) connection.destroy();
      }
    });
  });

  describe('request rate (2/s over 10 s: 20 per window)', () => {
    it('answers the 21st request with 429 too_many_requests and Retry-After; another address is served', async () => {
      const statuses: number[] = [];
      let refused: RawResponse | null = null;
      for (let i = 0; i < 25; i++) {
        const { response } = await get('/api/time', '10.2.0.1');
        statuses.push(response!.status);
        if (response!.status === 429) refused ??= response;
      }
      expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
      expect429(refused, 'too_many_requests');
      // Rotating the client-supplied part of X-Forwarded-For does not escape the limit.
      expect429((await get('/api/time', '10.2.0.1', { 'X-Forwarded-For': '198.51.100.1, 10.2.0.1' })).response, 'too_many_requests');
      // WebSocket upgrades count too, and are refused before the 101.
      expect429((await rawExchange(server.port, upgradeRequest('/ws/echo', xff('10.2.0.1')), { untilResponse: true })).response, 'too_many_requests');
      expect((await get('/api/time', '10.2.0.2')).response?.status).toBe(200);
    });
  });

  describe('private channels (3 per address, 8 in all)', () => {
    it('lets one address hold 3 live channels, not all of them; other addresses still get theirs', async () => {
      const attacker = [];
      for (let i = 0; i < 6; i++) attacker.push((await createChannel('10.3.0.1')).response);
      expect(attacker.slice(0, 3).map((r) => r?.status)).toEqual([201, 201, 201]);
      for (const refused of attacker.slice(3)) expect429(refused, 'too_many_channels');
      // Two other classmates get their three each: the attacker did not take the pool.
      for (const address of ['10.3.0.2', '10.3.0.3']) {
        for (let i = 0; i < 2; i++) expect((await createChannel(address)).response?.status, address).toBe(201);
      }
      expect((await createChannel('10.3.0.3')).response?.status).toBe(201);
      // 3 + 2 + 3 = 8 live: the server-wide cap answers the next one, also 429 with Retry-After.
      expect429((await createChannel('10.3.0.4')).response, 'too_many_channels');
    });
  });

  describe('WebSocket message and ping rates', () => {
    /** Opens a WebSocket from `address`; resolves once open. */
    const socket = async (path: string, address: string, options: WebSocket.ClientOptions = {}) => {
      const ws = new WebSocket(`${wsUrl}${path}`, { headers: xff(address), ...options });
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      ws.on('error', () => {});
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      });
      return { ws, closed };
    };

    it('answers pings within the rate (the server does not auto-pong) and closes a ping flood with 1008; another address is unaffected', async () => {
      const flooder = await socket('/ws/echo', '10.4.0.1', { autoPong: false });
      const pongs: string[] = [];
      flooder.ws.on('pong', (data) => pongs.push(data.toString()));
      for (let i = 0; i < 40; i++) flooder.ws.ping(`p${i}`);
      expect(await flooder.closed).toBe(1008);
      // The ones within the rate were answered, each echoing its own payload.
      expect(pongs.length).toBeGreaterThan(0);
      expect(pongs.length).toBeLessThan(40);
      expect(pongs).toEqual(pongs.map((_, i) => `p${i}`));

      const calm = await socket('/ws/echo', '10.4.0.2');
      try {
        const pong = new Promise<string>((resolve) => calm.ws.once('pong', (data) => resolve(data.toString())));
        calm.ws.ping('hello');
        expect(await pong).toBe('hello');
        expect(calm.ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        calm.ws.close();
      }
    });

    it('closes a chat flooder with 1008 while another address in the same room keeps chatting', async () => {
      const victim = await socket('/ws/chat?room=flood&name=victim', '10.5.0.2');
      const heard: string[] = [];
      victim.ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; text?: string };
        if (message.type === 'chat') heard.push(message.text!);
      });
      try {
        const flooder = await socket('/ws/chat?room=flood&name=flooder', '10.5.0.1');
        for (let i = 0; i < 60; i++) flooder.ws.send(`spam ${i}`);
        expect(await flooder.closed).toBe(1008);
        // Fewer than the 60 reached the room: the rest were refused.
        expect(heard.filter((text) => text.startsWith('spam')).length).toBeLessThan(60);
        victim.ws.send('still here');
        await waitFor(() => heard.includes('still here'), 3000, 'the victim’s own line');
        expect(victim.ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        victim.ws.close();
      }
    });

    it('closes an echo flooder with 1008', async () => {
      const flooder = await socket('/ws/echo', '10.5.0.3');
      for (let i = 0; i < 60; i++) flooder.ws.send(`echo ${i}`);
      expect(await flooder.closed).toBe(1008);
    });

    it('closes a chat line over 4096 bytes with 1009 and broadcasts one of exactly 4096', async () => {
      const speaker = await socket('/ws/chat?room=long&name=speaker', '10.6.0.1');
      try {
        const line = 'é'.repeat(2048); // 4096 bytes of UTF-8
        const echoed = new Promise<string>((resolve) =>
          speaker.ws.on('message', (data) => {
            const message = JSON.parse(String(data)) as { type: string; text?: string };
            if (message.type === 'chat') resolve(message.text!);
          }),
        );
        speaker.ws.send(line);
        expect(await echoed).toBe(line);
      } finally {
        speaker.ws.close();
      }
      const shouter = await socket('/ws/chat?room=long&name=shouter', '10.6.0.2');
      shouter.ws.send('x'.repeat(4097));
      expect(await shouter.closed).toBe(1009);
    });
  });
});

describe('fair use per address (direct: the socket address)', () => {
  it('refuses a 6th TCP connection from one address with a raw 429 too_many_connections and closes it; 127.0.0.2 is served', async () => {
    const server = await startTestServer({ socketsPerAddress: 5, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 });
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const connection = new RawConnection(server.port);
        await connection.connected;
        held.push(connection);
      }
      await waitFor(() => server.fairUse.sockets.count('127.0.0.1') === 5, 3000, 'five connections counted');
      // The sixth is answered before it sends a byte, and closed.
      const sixth = await rawExchange(server.port, Buffer.alloc(0), { waitMs: 3000 });
      expect(sixth.closedByServer).toBe(true);
      expect429(sixth.response, 'too_many_connections');

      const other = await rawExchange(server.port, requestBytes({ target: '/api/health' }), { untilResponse: true, localAddress: '127.0.0.2' });
      expect(other.response?.status).toBe(200);

      // One of the five goes away: its slot is free again.
      held.shift()!.destroy();
      await waitFor(() => server.fairUse.sockets.count('127.0.0.1') === 4, 3000, 'the slot to be released');
      const again = await rawExchange(server.port, requestBytes({ target: '/api/health' }), { untilResponse: true });
      expect(again.response?.status).toBe(200);
    } finally {
      for (const connection of held) connection.destroy();
      await server.close();
    }
  });
});
