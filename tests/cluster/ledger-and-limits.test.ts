// What a cluster counts together: the ledger (every instance's bytes, summed in Redis) and the
// fair-use rates (one budget per address across instances), on a real redis-server.
import { describe, expect, it } from 'vitest';
import type { StatsReply } from '../../src/protocol/feed.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { clusterSettings } from '../helpers/feed-backends.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

const statsOf = async (baseUrl: string, client?: string) =>
  (await (await fetch(`${baseUrl}/api/stats${client ? `?client=${client}` : ''}`)).json()) as StatsReply;

describe('a cluster counts together', () => {
  it('/api/stats on any instance adds up every instance\'s bytes for a client and in the totals', async () => {
    const settings = await clusterSettings({ statsFlushMs: 50, tickerIntervalMs: 100 });
    const servers = [await startTestServer(settings), await startTestServer(settings)];
    try {
      const client = 'counted-everywhere';
      for (let i = 0; i < 6; i++) await (await fetch(`${servers[i % 2]!.url}/api/short-poll?channel=ticker&client=${client}`)).text();
      // What each instance's own ledger saw, summed: the cluster's figure must equal it exactly.
      const local = servers.map((server) => server.ledger.stats(client).transports['short-poll']);
      const expected = Object.fromEntries(Object.keys(local[0]!).map((field) => [field, local.reduce((sum, figures) => sum + figures[field as keyof typeof figures], 0)]));
      expect(expected.requests).toBe(6);
      for (const server of servers) {
        const figures = await waitFor(async () => {
          const shared = (await statsOf(server.url, client)).transports['short-poll'];
          return JSON.stringify(shared) === JSON.stringify(expected) ? shared : null;
        }, 3000, 'the cluster figure to equal the sum of both ledgers');
        expect(figures.requests).toBe(6);
      }
      // The totals include both instances' short polls too.
      const totals = await statsOf(servers[1]!.url);
      expect(totals.transports['short-poll'].requests).toBeGreaterThanOrEqual(6);
      for (const name of TRANSPORTS) expect(totals.transports[name].openConnections).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('gives an address one request budget across instances, not one per instance', async () => {
    // 5 requests a second averaged over 10 s: 50 in all, whichever instance they reach.
    const settings = await clusterSettings({ requestsPerSecondPerAddress: 5 });
    const servers = [await startTestServer(settings), await startTestServer(settings)];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 80; i++) statuses.push((await fetch(`${servers[i % 2]!.url}/api/time`)).status);
      const allowed = statuses.filter((status) => status === 200).length;
      // The server's own start-up check spends a request or two of the same address's budget.
      expect(allowed).toBeGreaterThanOrEqual(45);
      expect(allowed).toBeLessThanOrEqual(50);
      expect(statuses.slice(60).every((status) => status === 429)).toBe(true);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });
});
