import type { Hono } from 'hono';
import { z } from 'zod';
import { CLIENT_ID_PATTERN } from '../../src/protocol/feed.ts';
import { parseQuery } from '../guard/query.ts';
import type { LedgerStats } from '../wire/ledger-sync.ts';

const statsQuerySchema = z.object({
  client: z.string().regex(CLIENT_ID_PATTERN, 'must be 1–64 characters [A-Za-z0-9_-]').optional(),
});

/** `GET /api/stats[?client=id]`: the ledger's figures for one client, or totals (a cluster's: every instance's). */
export function mountStats(app: Hono, ledger: LedgerStats): void {
  app.get('/api/stats', async (c) => {
    const parsed = parseQuery(c, statsQuerySchema);
    if (!parsed.ok) return parsed.response;
    c.header('Cache-Control', 'no-store');
    return c.json(await ledger.stats(parsed.value.client ?? null));
  });
}
