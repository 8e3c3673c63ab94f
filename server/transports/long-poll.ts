import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { z } from 'zod';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Channel, StartPoint, Subscriber } from '../feed/channel.ts';
import { transportSpec } from '../../src/protocol/transports.ts';
import { refusalResponse } from '../guard/errors.ts';
import { feedQuerySchema, resolveFeed } from '../guard/query.ts';
import { pollReply, writePollReply } from './poll-reply.ts';
import { addressOf, releaseAdapterRequest, type Transport } from './types.ts';
import type { FairUse } from '../guard/fair-use.ts';

const HELD = Symbol('held poll');
type HeldResponse = ServerResponse & { [HELD]?: HeldPoll };

/**
 * One held poll: answered when the channel wakes it (an event, or a room's cut), its timer
 * fires, or the server shuts down; dropped when the client goes away (its response closes).
 * Each releases everything. It holds only the Node response: the Hono handler has returned
 * (RESPONSE_ALREADY_SENT), so no context or middleware chain waits with it.
 */
class HeldPoll implements Subscriber {
  private timer: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    private readonly channel: Channel,
    private readonly start: StartPoint,
    private readonly response: HeldResponse,
    /** The address whose stream slot this poll holds. */
    private readonly address: string,
    private readonly shared: { held: Set<HeldPoll>; replyMaxBytes: number; fairUse: FairUse },
  ) {}

  hold(timeoutMs: number): void {
    releaseAdapterRequest(this.response);
    this.timer = setTimeout(timeUp, timeoutMs, this);
    this.channel.add(this);
    this.shared.held.add(this);
    this.response[HELD] = this;
    this.response.on('close', onHeldClose);
  }

  wake(): void {
    this.finish(true);
  }

  /** `answer`: write the reply (the events after the cursor, none on timeout); else just release. */
  finish(answer: boolean): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer!);
    this.channel.unsubscribe(this);
    this.shared.held.delete(this);
    this.response[HELD] = undefined;
    this.response.off('close', onHeldClose);
    this.shared.fairUse.releaseStream(this.address);
    if (!answer || this.response.destroyed) return;
    try {
      writePollReply(this.response, this.channel.page(this.start, this.shared.replyMaxBytes));
    } catch (error) {
      // A socket that broke as we answered: this client is gone, the channel is not.
      console.error('long poll: could not answer a held poll:', error);
      this.response.destroy();
    }
  }
}

function timeUp(poll: HeldPoll): void {
  poll.finish(true);
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
    // One shutdown listener for every held poll of this server, not one each: each is answered.
    const shared = { held: new Set<HeldPoll>(), replyMaxBytes: config.replyMaxBytes, fairUse };
    closing.addEventListener('abort', () => {
      for (const poll of [...shared.held]) poll.finish(true);
    });
    app.get(this.path, async (c) => {
      const resolved = await resolveFeed(c.req.query(), feed, { schema });
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      const { query, channel, from } = resolved;
      const start = channel.startOf(from);
      const response = (c.env as HttpBindings).outgoing as HeldResponse;
      // Answered at once: there is something newer, or the server is closing, or the client left.
      if (start.resync || start.seq !== channel.latestSeq || closing.aborted || response.destroyed) {
        return pollReply(c, channel.page(start, config.replyMaxBytes));
      }
      const address = addressOf(c, config);
      const refusal = fairUse.holdStream(address);
      if (refusal) return refusalResponse(c, refusal);
      new HeldPoll(channel, start, response, address, shared).hold(query.timeout ?? config.longPollDefaultTimeoutMs);
      return RESPONSE_ALREADY_SENT;
    });
  },
};
