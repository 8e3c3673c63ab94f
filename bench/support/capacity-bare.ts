// The baseline of bench/capacity.ts: the same feed served with nothing but node:http and ws,
// the least a server doing this work must hold. `node --expose-gc --import tsx
// bench/support/capacity-bare.ts`, spawned with an IPC channel (bench/support/capacity-ipc.ts).
// One broadcaster; each event is JSON.stringify'd once and the same string goes to every reader:
//   /ws/feed         WebSocketServer({noServer}) + handleUpgrade; {"type":"start"} then {"type":"event","event":…}
//   /api/long-poll   held until the next event (or `timeout` ms), then {"events":[…],"cursor","resync"}
//   /api/sse         text/event-stream: `id:` at once, then `id:` + `data:` per event; a shared heartbeat
//   /api/stream      application/x-ndjson: a start line at once, then one line per event (the WebSocket's messages)
//   /api/short-poll  a small JSON reply at once
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { quote, type FromCapacityServer, type ToCapacityServer } from './capacity-ipc.ts';
import { memoryFigures } from './child-memory.ts';

const send = (message: FromCapacityServer) => process.send?.(message);
const FEED_ID = 'bare01';
let seq = 0;
const waiters = new Map<ServerResponse, NodeJS.Timeout>();
const streams = new Set<ServerResponse>();
const ndjsonStreams = new Set<ServerResponse>();
const wss = new WebSocketServer({ noServer: true });

const reply = (res: ServerResponse, status: number, body: string) =>
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' }).end(body);

function publish(): { seq: number; at: number } {
  const event = { seq: ++seq, at: Date.now(), channel: 'ticker', data: quote(seq) };
  const json = JSON.stringify(event);
  const cursor = `${FEED_ID}-${seq}`;
  const forSockets = `{"type":"event","event":${json}}`;
  for (const socket of wss.clients) socket.send(forSockets);
  const frame = `id: ${cursor}\ndata: ${json}\n\n`;
  for (const res of streams) res.write(frame);
  const line = `${forSockets}\n`;
  for (const res of ndjsonStreams) res.write(line);
  if (waiters.size) {
    const body = `{"events":[${json}],"cursor":"${cursor}","resync":false}`;
    for (const [res, timer] of waiters) {
      clearTimeout(timer);
      reply(res, 200, body);
    }
    waiters.clear();
  }
  return event;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/api/short-poll') return reply(res, 200, `{"events":[],"cursor":"${FEED_ID}-${seq}","resync":false}`);
  if (url.pathname === '/api/long-poll') {
    const timeout = Math.min(55_000, Math.max(1, Number(url.searchParams.get('timeout') ?? 25_000) || 25_000));
    const timer = setTimeout(() => {
      waiters.delete(res);
      reply(res, 200, `{"events":[],"cursor":"${FEED_ID}-${seq}","resync":false}`);
    }, timeout);
    waiters.set(res, timer);
    res.once('close', () => {
      clearTimeout(timer);
      waiters.delete(res);
    });
    return;
  }
  if (url.pathname === '/api/sse') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write(`id: ${FEED_ID}-${seq}\n\n`);
    streams.add(res);
    res.once('close', () => streams.delete(res));
    return;
  }
  if (url.pathname === '/api/stream') {
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write(`{"type":"start","cursor":"${FEED_ID}-${seq}","resync":false}\n`);
    ndjsonStreams.add(res);
    res.once('close', () => ndjsonStreams.delete(res));
    return;
  }
  reply(res, 404, '{"error":{"code":"not_found","message":"not found"}}');
});
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  if (!req.url?.startsWith('/ws/feed')) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {});
    ws.send(`{"type":"start","cursor":"${FEED_ID}-${seq}","resync":false}`);
  });
});
setInterval(() => {
  for (const res of streams) res.write(': heartbeat\n\n');
  for (const res of ndjsonStreams) res.write('\n');
}, 15_000).unref();

process.on('message', async (message: ToCapacityServer) => {
  if (message.type === 'publish') return send({ type: 'published', id: message.id, ...publish() });
  send({
    type: 'measure',
    id: message.id,
    figures: {
      ...(await memoryFigures(message.gc)),
      held: {
        byPath: { '/ws/feed': wss.clients.size, '/api/long-poll': waiters.size, '/api/sse': streams.size, '/api/stream': ndjsonStreams.size },
        all: wss.clients.size + waiters.size + streams.size + ndjsonStreams.size,
      },
    },
  });
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0)); // the bench went away: don't outlive it

server.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, node: process.version });
});
