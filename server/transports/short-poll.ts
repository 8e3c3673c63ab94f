import { refusalResponse } from '../guard/errors.ts';
import { transportSpec } from '../../src/protocol/transports.ts';
import { resolveFeed } from '../guard/query.ts';
import { pollReply } from './poll-reply.ts';
import type { Transport } from './types.ts';

/** "Anything new?" answered at once, events or not. */
export const shortPoll: Transport = {
  name: 'short-poll',
  path: transportSpec('short-poll').path,
  mount(app, { feed, config }) {
    app.get(this.path, async (c) => {
      const resolved = await resolveFeed(c.req.query(), feed);
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      const { channel, from } = resolved;
      return pollReply(c, channel.page(channel.startOf(from), config.replyMaxBytes));
    });
  },
};
