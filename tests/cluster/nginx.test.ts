// deploy/nginx.conf, exactly as deployed (only its ports rendered by scripts/nginx-config.mjs),
// in front of two real instances of server/main.ts in memory mode (no Redis): WebSocket upgrade,
// unbuffered SSE and fetch streams, round-robin, failover on a dead instance for GETs only,
// the Host header passed through, and fair use counted against X-Forwarded-For.
import { request as httpRequest, Agent } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FeedSocketMessage, PollReply } from '../../src/protocol/feed.ts';
import { freePort, startInstance, startNginx, type InstanceService, type NginxService } from '../helpers/services.ts';
import { streamParser, type StreamLog } from '../helpers/stream-parsers.ts';

/** Fair use: 10 requests a second per address, averaged over 10 s, i.e. 100 per instance. */
const RATE = 10;
const INSTANCE_ENV = { TICKER_INTERVAL_MS: '100', REQUESTS_PER_SECOND_PER_ADDRESS: String(RATE) };

/** Everything this file started, stopped in afterAll whatever happened (the exit hook is the backstop). */
const started: { stop(): Promise<void> }[] = [];
async function keep<T extends { stop(): Promise<void> }>(service: Promise<T>): Promise<T> {
  const value = await service;
  started.push(value);
  return value;
}

let a: InstanceService;
let b: InstanceService;
let nginx: NginxService;

beforeAll(async () => {
  // Both instances start together; if one fails the other is still in `started`.
  const instances = await Promise.allSettled([keep(startInstance({ env: INSTANCE_ENV })), keep(startInstance({ env: INSTANCE_ENV }))]);
  for (const result of instances) if (result.status === 'rejected') throw result.reason;
  [a, b] = instances.map((result) => (result as PromiseFulfilledResult<InstanceService>).value) as [InstanceService, InstanceService];
  nginx = await keep(startNginx({ upstreamPorts: [a.port, b.port] }));
});

afterAll(async () => {
  await Promise.allSettled(started.reverse().map((service) => service.stop()));
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agents = new Map<string, Agent>();
afterAll(() => agents.forEach((agent) => agent.destroy()));

/** One request with node:http, from `localAddress` (any 127.0.0.0/8 address is this machine). */
function send(url: string, { method = 'GET', headers = {}, body, localAddress = '127.0.0.1' }: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Reply> {
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = new Agent({ keepAlive: true, maxSockets: 4 })));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent, localAddress, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The feed id a poll reply's cursor names: random per instance in memory mode. */
async function feedIdVia(baseUrl: string): Promise<string> {
  const reply = await send(`${baseUrl}/api/short-poll?channel=ticker`);
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body) as PollReply).cursor.split('-')[0]!;
}

/** Reads a streaming response through nginx until `count` events arrived, timing each. */
async function readStream(path: string, count: number, init: RequestInit = {}): Promise<{ log: StreamLog; openedAt: number; contentType: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const openedAt = performance.timeOrigin + performance.now();
  try {
    const response = await fetch(`${nginx.url}${path}`, { ...init, signal: controller.signal });
    expect(response.status).toBe(200);
    const contentType = response.headers.get('content-type') ?? '';
    const log: StreamLog = { events: [], resyncs: 0, receivedAt: [] };
    const parse = streamParser(contentType, log);
    if (!parse) throw new Error(`not a stream: ${contentType}`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    while (log.events.length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${path}: the stream ended after ${log.events.length} events`);
      parse(value);
    }
    return { log, openedAt, contentType };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Events were passed on one by one as the ticker published them (every 100 ms), not in a batch. */
function expectUnbuffered({ log, openedAt }: { log: StreamLog; openedAt: number }) {
  const at = log.receivedAt!;
  expect(at[0]! - openedAt).toBeLessThan(1000);
  // Five events 100 ms apart arrive over ~400 ms; a proxy holding them back would hand them
  // over together.
  expect(at[4]! - at[0]!).toBeGreaterThan(200);
  for (let i = 1; i < log.events.length; i++) expect(log.events[i]!.seq).toBe(log.events[i - 1]!.seq + 1);
}

/** An upstream that reads a request and hangs up without answering: an instance dying mid-request. */
async function crashingUpstream(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const port = await freePort();
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (chunk) => {
      received.push(String(chunk).split('\r\n')[0]!);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('deploy/nginx.conf in front of two instances', () => {
  it('upgrades /ws/feed: the start message, then events', async () => {
    const socket = new WebSocket(`${nginx.url.replace('http', 'ws')}/ws/feed?channel=ticker`);
    try {
      const messages: FeedSocketMessage[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${messages.length} messages`)), 10_000);
        socket.on('message', (data) => {
          messages.push(JSON.parse(String(data)) as FeedSocketMessage);
          if (messages.length === 4) (clearTimeout(timer), resolve());
        });
        socket.on('error', (error) => (clearTimeout(timer), reject(error)));
        socket.on('unexpected-response', (_req, res) => (clearTimeout(timer), reject(new Error(`upgrade refused: ${res.statusCode}`))));
      });
      expect(messages[0]).toMatchObject({ type: 'start', resync: false });
      expect(messages.slice(1).map((m) => m.type)).toEqual(['event', 'event', 'event']);
    } finally {
      socket.terminate();
    }
  });

  it('passes the Host header on, port included: a browser on a named host may open a WebSocket', async () => {
    // The instance allows a WebSocket whose Origin has the same host[:port] as Host; with
    // `Host $host` (port dropped) this upgrade would be refused with 403 forbidden_origin.
    const host = `course.localhost:${nginx.port}`;
    const socket = new WebSocket(`${nginx.url.replace('http', 'ws')}/ws/echo`, { headers: { Host: host }, origin: `http://${host}` });
    try {
      const echoed = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no echo')), 10_000);
        socket.on('open', () => socket.send('through nginx'));
        socket.on('message', (data) => (clearTimeout(timer), resolve(String(data))));
        socket.on('error', (error) => (clearTimeout(timer), reject(error)));
        socket.on('unexpected-response', (_req, res) => (clearTimeout(timer), reject(new Error(`upgrade refused: ${res.statusCode}`))));
      });
      expect(echoed).toContain('through nginx');
    } finally {
      socket.terminate();
    }
  });

  it('does not buffer SSE: the first event within 1 s, then one by one', async () => {
    const stream = await readStream('/api/sse?channel=ticker', 5);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    expectUnbuffered(stream);
  });

  it('does not buffer the fetch stream, GET or POST', async () => {
    const get = await readStream('/api/stream?channel=ticker', 5);
    expect(get.contentType).toMatch(/^application\/x-ndjson/);
    expectUnbuffered(get);
    const post = await readStream('/api/stream', 5, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'ticker' }) });
    expectUnbuffered(post);
  });

  it('holds a long poll open and answers it when an event comes', async () => {
    // Without `after` a long poll waits for the next event (the ticker publishes every 100 ms).
    const reply = await send(`${nginx.url}/api/long-poll?channel=ticker&timeout=5000`);
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.body) as PollReply).events.length).toBeGreaterThan(0);
  });

  it('spreads requests over both instances (each has its own feed id in memory mode)', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 6; i++) ids.add(await feedIdVia(nginx.url));
    expect(ids).toEqual(new Set([await feedIdVia(a.url), await feedIdVia(b.url)]));
  });

  it('finds the frame inspector\'s recording on whichever instance holds its socket (404s move on)', async () => {
    const socket = new WebSocket(`${nginx.url.replace('http', 'ws')}/ws/inspect`);
    try {
      const id = await new Promise<string>((resolve, reject) => {
        socket.once('message', (data) => resolve((JSON.parse(String(data)) as { id: string }).id));
        socket.once('error', reject);
      });
      // Round-robin sends half of these to the instance that has never heard of the id.
      for (let i = 0; i < 4; i++) {
        expect((await send(`${nginx.url}/api/inspect/${id}`)).status).toBe(200);
        expect((await send(`${nginx.url}/api/inspect/${id}/ping`, { method: 'POST', headers: { host: `127.0.0.1:${nginx.port}` } })).status).toBe(200);
      }
      expect((await send(`${nginx.url}/api/inspect/0000000000000000`)).status).toBe(404);
    } finally {
      socket.terminate();
    }
  });

  it('counts fair use against the address nginx appends to X-Forwarded-For', async () => {
    // Every connection to the instances comes from nginx on 127.0.0.1; a flood from 127.0.0.2
    // must be refused while 127.0.0.3 is still served. Each instance allows 100 requests per
    // 10 s per address, so the flood meets a 429 within about 200 requests.
    let refused: Reply | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const reply = await send(`${nginx.url}/api/time`, { localAddress: '127.0.0.2' });
      if (reply.status === 429) refused = reply;
      else expect(reply.status).toBe(200);
    }
    expect(refused, 'no 429 within 400 requests').toBeDefined();
    expect(JSON.parse(refused!.body)).toMatchObject({ error: { code: 'too_many_requests' } });
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Another reader is not punished for the flood…
    expect((await send(`${nginx.url}/api/time`, { localAddress: '127.0.0.3' })).status).toBe(200);
    // …and the flooder cannot escape by claiming another address: nginx appends the real one,
    // and the instance counts only that last entry.
    for (let i = 0; i < 4; i++) {
      const spoofed = await send(`${nginx.url}/api/time`, { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': `198.51.100.${i}` } });
      expect(spoofed.status).toBe(429);
    }
  });

  it('retries a GET on another instance when one hangs up, but never a POST it had sent', async () => {
    const crash = await crashingUpstream();
    // A fresh nginx for each half: after one failure nginx leaves the crashing upstream out for
    // fail_timeout (10 s). The first request of a fresh nginx goes to the first upstream.
    const front = await keep(startNginx({ upstreamPorts: [crash.port, a.port] }));
    try {
      for (let i = 0; i < 4; i++) expect((await send(`${front.url}/api/health`)).status).toBe(200);
      expect(crash.received).toEqual(['GET /api/health HTTP/1.1']);
    } finally {
      await front.stop();
    }
    crash.received.length = 0;
    const front2 = await keep(startNginx({ upstreamPorts: [crash.port, a.port] }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await send(`${front2.url}/api/health`, { method: 'POST', body: '' })).status);
      // The POST the crashing upstream received got 502, not a second run elsewhere; the others
      // reached the instance, which does not take POST on /api/health (405).
      expect(crash.received).toEqual(['POST /api/health HTTP/1.1']);
      expect(statuses.sort()).toEqual([405, 405, 405, 502]);
    } finally {
      await front2.stop();
      await crash.close();
    }
  });

  it('keeps answering when an instance is killed (proxy_next_upstream)', async () => {
    await a.kill();
    // Right after the kill one of the next two requests is sent to the dead instance: its
    // connection is refused, so nothing was sent and even a POST goes on to the live one.
    for (let i = 0; i < 2; i++) expect((await send(`${nginx.url}/api/health`, { method: 'POST', body: '' })).status).toBe(405);
    for (let i = 0; i < 20; i++) {
      const reply = await send(`${nginx.url}/api/health`);
      expect(reply.status, `request ${i + 1}`).toBe(200);
    }
    expect(await feedIdVia(nginx.url)).toBe(await feedIdVia(b.url));
  });
});
