import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, transportSpec, transportsOfKind, type TransportName } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { allWireBytes, wireBytes } from '../helpers/ledger-sums.ts';
import { startRelay, type Relay } from '../helpers/relay.ts';
import { createChannel, startTestServer, waitFor } from '../helpers/server.ts';

const run = promisify(execFile);

/**
 * The ledger against an independent witness: a TCP relay between client and server counts the
 * bytes; the ledger's buckets must add up to exactly that, for every client and transport.
 */
describe('ledger exactness through a TCP relay', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function measure(client: string, transport: TransportName, drive: (relay: Relay, channel: string) => Promise<void>) {
    const channel = await createChannel(server.url, { intervalMs: 25, payloadBytes: 100, durationMs: 500 });
    const relay = await startRelay(server.port);
    const totalsBefore = allWireBytes(server.ledger.stats(null));
    try {
      await drive(relay, channel);
      await relay.drained();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const mine = server.ledger.stats(client);
      expect(relay.total).toBeGreaterThan(0);
      // Everything the relay carried is filed under this client and this transport...
      expect(wireBytes(mine.transports[transport])).toBe(relay.total);
      // ...and nowhere else.
      expect(allWireBytes(server.ledger.stats(null)) - totalsBefore).toBe(relay.total);
      expect(mine.transports[transport].requests).toBeGreaterThan(0);
      expect(mine.transports[transport].openConnections).toBe(0);
    } finally {
      await relay.close();
    }
  }

  const curl = (args: string[]) => run('curl', ['-s', '-o', '/dev/null', ...args]).catch((error: { code?: number }) => {
    if (error.code !== 28) throw error; // 28: --max-time reached, how we end a stream
  });

  describe('curl', () => {
    it.each(transportsOfKind('poll'))('%s', async (transport) => {
      const client = `curl-${transport}`;
      await measure(client, transport, async (relay, channel) => {
        const cursor = (seq: number) => (seq === 0 ? '0' : server.feed.get(channel)!.cursorAt(seq));
        const url = (after: number) => `${relay.url}${transportSpec(transport).path}?channel=${channel}&client=${client}&after=${cursor(after)}&timeout=400`;
        await curl([url(0), url(5), url(10), url(50)]); // one connection, four requests
      });
    });
    it.each(transportsOfKind('stream'))('%s', async (transport) => {
      await measure(`curl-${transport}`, transport, async (relay, channel) => {
        await curl(['-N', '--max-time', '1', `${relay.url}${transportSpec(transport).path}?channel=${channel}&client=curl-${transport}&after=0`]);
      });
    });
  });

  describe('fetch', () => {
    it.each(TRANSPORTS.filter((name) => transportSpec(name).kind !== 'socket'))('%s', async (transport) => {
      const client = `fetch-${transport}`;
      await measure(client, transport, async (relay, channel) => {
        const reader = startReader(transport, { baseUrl: relay.url, channel, client, after: '0' });
        await waitFor(() => reader.log.events.at(-1)?.seq === 20, 5000, '20 events');
        await reader.stop();
      });
    });
  });

  describe('ws client', () => {
    it.each(transportsOfKind('socket'))('%s', async (transport) => {
      await measure(`ws-${transport}`, transport, async (relay, channel) => {
        const reader = startReader(transport, { baseUrl: relay.url, channel, client: `ws-${transport}`, after: '0' });
        await waitFor(() => reader.log.events.at(-1)?.seq === 20, 5000, '20 events');
        await reader.stop();
      });
    });
  });
});
