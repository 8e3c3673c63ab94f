// /ws/inspect and /api/inspect as the inspect demos use them: the raw handshake, every frame both
// ways decoded with the teaching codec, `since`, ping → pong, and the 1009 close the frame
// inspector's 70,000-byte preset runs into (messages over 64 KiB).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { decodeFrame, type DecodedFrame } from '../../src/protocol/frame-codec.ts';
import type { InspectHello, InspectReply } from '../../src/protocol/inspect.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

function decoded(base64: string): DecodedFrame {
  const result = decodeFrame(new Uint8Array(Buffer.from(base64, 'base64')));
  if ('error' in result) throw result.error;
  return result.frame;
}

describe('/ws/inspect', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function open(headers: Record<string, string> = {}) {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/inspect`, { headers });
    const messages: (string | Buffer)[] = [];
    ws.on('message', (data, isBinary) => messages.push(isBinary ? (data as Buffer) : String(data)));
    await waitFor(() => messages.length > 0, 5000, 'the hello');
    const hello = JSON.parse(messages[0] as string) as InspectHello;
    const capture = async (since = 0) => (await (await fetch(`${server.url}/api/inspect/${hello.id}?since=${since}`)).json()) as InspectReply;
    return { ws, messages, id: hello.id, capture };
  }

  it('returns the handshake exactly as sent and answered', async () => {
    const { ws, capture } = await open({ Cookie: 'demo=hello' });
    const reply = await capture();
    const request = Buffer.from(reply.request, 'base64').toString('latin1');
    const response = Buffer.from(reply.response, 'base64').toString('latin1');
    expect(request).toMatch(/^GET \/ws\/inspect HTTP\/1\.1\r\n/);
    expect(request).toMatch(/\r\nCookie: demo=hello\r\n/);
    expect(request.endsWith('\r\n\r\n')).toBe(true);
    const key = request.match(/Sec-WebSocket-Key: (\S+)\r\n/)![1]!;
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    expect(response).toBe(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    ws.close();
  });

  it('records masked frames in and unmasked frames out, and `since` skips what was seen', async () => {
    const { ws, messages, capture } = await open();
    ws.send('Hello');
    await waitFor(() => messages.includes('Echo: Hello'), 5000, 'the echo');
    const reply = await capture();
    expect(reply.frames.map((f) => [f.index, f.direction])).toEqual([[0, 'out'], [1, 'in'], [2, 'out']]);
    const hello = decoded(reply.frames[1]!.base64);
    expect(hello).toMatchObject({ opcode: 1, masked: true, headerLength: 6, text: 'Hello' });
    expect(decoded(reply.frames[2]!.base64)).toMatchObject({ masked: false, text: 'Echo: Hello' });
    expect((await capture(2)).frames.map((f) => f.index)).toEqual([2]);
    ws.close();
  });

  it('pings on request; the pong carries the ping’s payload back', async () => {
    const { ws, id, capture } = await open();
    const response = await fetch(`${server.url}/api/inspect/${id}/ping`, { method: 'POST' });
    expect(response.status).toBe(200);
    const frames = await waitFor(async () => {
      const reply = await capture(1);
      return reply.frames.length >= 2 ? reply.frames : null;
    }, 5000, 'ping and pong');
    const [ping, pong] = frames.map((f) => decoded(f.base64));
    expect(ping).toMatchObject({ opcode: 9, masked: false });
    expect(pong).toMatchObject({ opcode: 10, masked: true });
    expect(new TextDecoder().decode(pong!.payload)).toBe('are you there?');
    ws.close();
  });

  it('closes a 70,000-byte message with 1009 and still records the 7+64-bit frame', async () => {
    const { ws, capture } = await open();
    const code = await new Promise<number>((resolve) => {
      ws.on('close', resolve);
      ws.send(Buffer.alloc(70_000));
    });
    expect(code).toBe(1009);
    const reply = await waitFor(async () => {
      const r = await capture(1);
      return r.closed && r.frames.length >= 3 ? r : null;
    }, 5000, 'both close frames');
    const frames = reply.frames.map((f) => ({ direction: f.direction, frame: decoded(f.base64) }));
    const big = frames.find((f) => f.frame.payloadLength === 70_000)!;
    expect(big).toMatchObject({ direction: 'in', frame: { lengthEncoding: 64, headerLength: 14, opcode: 2 } });
    expect(frames.find((f) => f.direction === 'out' && f.frame.opcode === 8)?.frame.closeCode).toBe(1009);
    expect(frames.find((f) => f.direction === 'in' && f.frame.opcode === 8)?.frame.closeCode).toBe(1009);
  });

  it('stops recording past 1 MiB, so a reader that never collects cannot grow the server', async () => {
    const { ws, messages, capture } = await open();
    for (let i = 0; i < 40; i++) ws.send(Buffer.alloc(60 * 1024, i));
    await waitFor(() => messages.length === 41, 10_000, '40 echoes');
    const reply = await capture();
    const recorded = reply.frames.reduce((sum, frame) => sum + Buffer.from(frame.base64, 'base64').length, 0);
    expect(recorded).toBeLessThanOrEqual(1024 * 1024);
    expect(reply.droppedFrames).toBeGreaterThan(0);
    expect(reply.frames.map((frame) => frame.index)).toEqual(reply.frames.map((_, i) => i));
    ws.close();
  });

  it('answers 404 for an unknown id', async () => {
    expect((await fetch(`${server.url}/api/inspect/0000000000000000`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/inspect/0000000000000000/ping`, { method: 'POST' })).status).toBe(404);
  });
});
