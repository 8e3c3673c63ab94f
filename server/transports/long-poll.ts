import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { z } from 'zod';
import type { Channel, Subscriber } from '../feed/channel.ts';
import { transportSpec } from '../../src/protocol/transports.ts';
import { refusalResponse } from '../guard/errors.ts';
import { feedQuerySchema, resolveFeed, startPosition } from '../guard/query.ts';
import { pollReply } from './poll-reply.ts';
import { addressOf, type Transport } from './types.ts';

const HELD = Symbol('held poll');
type HeldResponse = ServerResponse & { [HELD]?: HeldPoll };

/**
 * One held poll: woken by the channel (an event), its timer, the client going away (its
 * response closes) or shutdown, whichever comes first; each releases everything. One object and
 * shared listeners, instead of an AbortSignal for the request and listeners on two signals.
 */
class HeldPoll implements Subscriber {
  private timer: NodeJS.Timeout | null = null;
  private resolve: ((found: boolean) => void) | null = null;

  constructor(
    private readonly channel: Channel,
    private readonly response: HeldResponse,
    private readonly held: Set<HeldPoll>,
  ) {}

  /** Resolves true on a newer event, false on timeout, client gone or shutdown. */
  wait(timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(timeUp, timeoutMs, this);
      this.channel.add(this);
      this.held.add(this);
      this.response[HELD] = this;
      this.response.on('close', onHeldClose);
    });
  }

  wake(): void {
    this.finish(true);
  }

  finish(found: boolean): void {
    const resolve = this.resolve;
    if (!resolve) return;
    this.resolve = null;
    clearTimeout(this.timer!);
    this.channel.unsubscribe(this);
    this.held.delete(this);
    this.response[HELD] = undefined;
    this.response.off('close', onHeldClose);
    resolve(found);
  }
}

function timeUp(poll: HeldPoll): void {
  poll.finish(false);
}

/** The client went away while its poll was held. */
function onHeldClose(this: HeldResponse): void {
  this[HELD]?.finish(false);
}

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
    // One shutdown listener for every held poll of this server, not one each.
    const held = new Set<HeldPoll>();
    closing.addEventListener('abort', () => {
      for (const poll of [...held]) poll.finish(false);
    });
    app.get(this.path, async (c) => {
      const resolved = resolveFeed(c.req.query(), feed, schema);
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      const { query, channel } = resolved;
      const start = channel.startOf(startPosition(query));
      const response = (c.env as HttpBindings).outgoing as HeldResponse;
      if (!start.resync && start.seq === channel.latestSeq) {
        const release = fairUse.holdStream(addressOf(c, config));
        if (typeof release !== 'function') return refusalResponse(c, release);
        try {
          // Not held when the server is closing or the client already went away.
          if (!closing.aborted && !response.destroyed) await new HeldPoll(channel, response, held).wait(query.timeout ?? config.longPollDefaultTimeoutMs);
        } finally {
          release();
        }
      }
      return pollReply(c, channel.page(start, config.replyMaxBytes));
    });
  },
};
