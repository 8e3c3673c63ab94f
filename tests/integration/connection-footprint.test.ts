import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { createChannel, startTestServer, waitFor } from '../helpers/server.ts';
import { transportSpec, transportsOfKind } from '../../src/protocol/transports.ts';

// What one long-lived connection keeps on the server, seen from the server's own socket objects
// (the server runs in this process). Ten thousand WebSockets or held polls hold ten thousand of
// each of these, so they are pinned here; `npm run bench -- capacity` measures the memory itself.

/** The server's end of the TCP connection whose client end is `localPort`. */
function serverSocketOf(localPort: number): Socket {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const socket = handles.find((handle): handle is Socket => handle instanceof Socket && handle.remotePort === localPort);
  if (!socket) throw new Error(`no server socket for client port ${localPort}`);
  return socket;
}

const names = (emitter: EventEmitter, event: string) => emitter.listeners(event).map((listener) => (listener as { name: string }).name);

describe('what one open connection keeps on the server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("a WebSocket: the session's listeners alone (the adapter's are let go), and no grown listener lists", async () => {
    const client = new WebSocket(`${server.url.replace('http', 'ws')}/ws/feed?channel=ticker`);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const tcp = serverSocketOf((client as unknown as { _socket: Socket })._socket.localPort!);
    const socket = (tcp as unknown as Record<symbol, EventEmitter>)[Object.getOwnPropertySymbols(tcp).find((symbol) => symbol.description === 'websocket')!]!;
    await waitFor(() => socket.listenerCount('ping') === 1, 2000, 'the session adopting the socket');
    // One listener of ours per event; 'close' also has ws's server's, which drops it from `clients`.
    expect(names(socket, 'message')).toEqual(['onSocketMessage']);
    expect(names(socket, 'error')).toEqual(['ignoreError']);
    expect(names(socket, 'ping')).toEqual(['onSocketPing']);
    expect(names(socket, 'pong')).toEqual(['onSocketPong']);
    expect(names(socket, 'close')).toHaveLength(2);
    expect(names(socket, 'close')).toContain('onSocketClose');
    // The TCP socket: ws's 'close' listener alone (the server's bookkeeping runs as the socket is
    // destroyed), and ws's 'error' listener beside ours, in a two-slot list, not a grown one.
    expect(names(tcp, 'close')).toEqual(['socketOnClose']);
    expect(names(tcp, 'error').sort()).toEqual(['ignoreError', 'socketOnError']);
    client.close();
  });

  /** Sends `GET path` on a raw connection and returns the server's socket and response once `ready` holds. */
  async function heldResponse(path: string, ready: (response: EventEmitter) => boolean) {
    const client = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const tcp = serverSocketOf(client.localPort!);
    const responseOf = () => (tcp as unknown as { _httpMessage?: EventEmitter })._httpMessage;
    await waitFor(() => Boolean(responseOf() && ready(responseOf()!)), 2000, `${path} being held`);
    return { client, tcp, response: responseOf()! };
  }

  it('a held long poll: no pipelining gate, and only its own close listener on the response', async () => {
    // A channel that has published its one event: a poll after it is held.
    const quiet = await createChannel(server.url, { intervalMs: 20, payloadBytes: 0, durationMs: 20 });
    await waitFor(() => server.feed.get(quiet)!.latestSeq === 1, 2000, 'the only event');
    const cursor = server.feed.get(quiet)!.cursorAt(1);
    const path = `${transportSpec('long-poll').path}?channel=${quiet}&after=${cursor}&timeout=30000`;
    const { client, tcp, response } = await heldResponse(path, (held) => names(held, 'close').includes('onHeldClose'));
    // The held poll's listener alone: the adapter's (which kept its Request alive) is let go,
    // and a pipelining gate (`onDone`) only comes with pipelining.
    expect(names(response, 'close')).toEqual(['onHeldClose']);
    expect(names(response, 'finish').filter((name) => name.includes('onDone'))).toEqual([]);
    // Node's two on the TCP socket, none of ours (a third would grow the list to 19 slots).
    expect(names(tcp, 'close')).toHaveLength(2);
    client.destroy();
  });

  for (const name of transportsOfKind('stream')) {
    it(`a ${name} stream: only its own close listener on the response`, async () => {
      const { client, response } = await heldResponse(`${transportSpec(name).path}?channel=ticker`, (held) => names(held, 'close').includes('onStreamClose'));
      expect(names(response, 'close')).toEqual(['onStreamClose']);
      client.destroy();
    });
  }
});
