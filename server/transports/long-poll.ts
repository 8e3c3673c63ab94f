import { z } from 'zod';
import { transportSpec } from '../../src/protocol/transports.ts';
import { refusalResponse } from '../guard/errors.ts';
import { feedQuerySchema, resolveFeed, startPosition } from '../guard/query.ts';
import { pollReply } from './poll-reply.ts';
import { addressOf, type Transport } from './types.ts';

/**
 * The request is held until an event newer than the cursor exists, or until `timeout` ms pass
 * (then it answers with no events). A client that goes away frees its waiter at once, and
 * shutdown answers every held poll. A held poll counts as one of the address's streams.
 */
export const longPoll: Transport = {
  name: 'long-poll',
  path: transportSpec('long-poll').path,
  mount(app, { feed, config, closing, fairUse }) {
    const schema = feedQuerySchema.extend({
      timeout: z
        .string()
        .regex(/^\d{1,6}$/, `must be a whole number of ms, 1..${config.longPollMaxTimeoutMs}`)
        .transform(Number)
        .pipe(z.number().min(1, 'must be ≥ 1 ms').max(config.longPollMaxTimeoutMs, `must be ≤ ${config.longPollMaxTimeoutMs} ms`))
        .optional(),
    });
    app.get(this.path, async (c) => {
      const resolved = resolveFeed(c.req.query(), feed, schema);
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      const { query, channel } = resolved;
      const start = channel.startOf(startPosition(query));
      if (!start.resync && start.seq === channel.latestSeq) {
        const release = fairUse.holdStream(addressOf(c, config));
        if (typeof release !== 'function') return refusalResponse(c, release);
        try {
          // c.req.raw.signal aborts when the client goes away (its socket closes).
          await channel.waitForNewer(start.seq, query.timeout ?? config.longPollDefaultTimeoutMs, [c.req.raw.signal, closing]);
        } finally {
          release();
        }
      }
      return pollReply(c, channel.page(start, config.replyMaxBytes));
    });
  },
};
