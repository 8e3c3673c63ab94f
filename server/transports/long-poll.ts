import { z } from 'zod';
import { feedQuerySchema, resolveFeedQuery, startCursor } from '../guard/query.ts';
import type { Transport } from './types.ts';

/**
 * The request is held until an event newer than `after` exists, or until `timeout` ms pass
 * (then it answers with no events). A client that goes away frees its waiter at once, and
 * shutdown answers every held poll.
 */
export const longPoll: Transport = {
  name: 'long-poll',
  path: '/api/long-poll',
  mount(app, { feed, config, closing }) {
    const schema = feedQuerySchema.extend({
      timeout: z
        .string()
        .regex(/^\d{1,6}$/, `must be a whole number of ms, 1..${config.longPollMaxTimeoutMs}`)
        .transform(Number)
        .pipe(z.number().min(1, 'must be ≥ 1 ms').max(config.longPollMaxTimeoutMs, `must be ≤ ${config.longPollMaxTimeoutMs} ms`))
        .optional(),
    });
    app.get(this.path, async (c) => {
      const resolved = resolveFeedQuery(c, feed, schema);
      if (!resolved.ok) return resolved.response;
      const { channel } = resolved;
      const query = resolved.query as z.infer<typeof schema>;
      const after = startCursor(query, channel);
      const timeoutMs = query.timeout ?? config.longPollDefaultTimeoutMs;
      await channel.waitForNewer(after, timeoutMs, AbortSignal.any([c.req.raw.signal, closing]));
      c.header('Cache-Control', 'no-store');
      return c.json(channel.since(after));
    });
  },
};
