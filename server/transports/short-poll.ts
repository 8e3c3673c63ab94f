import { resolveFeedQuery, startCursor } from '../guard/query.ts';
import type { Transport } from './types.ts';

/** "Anything new?" answered at once, events or not. */
export const shortPoll: Transport = {
  name: 'short-poll',
  path: '/api/short-poll',
  mount(app, { feed }) {
    app.get(this.path, (c) => {
      const resolved = resolveFeedQuery(c, feed);
      if (!resolved.ok) return resolved.response;
      const { query, channel } = resolved;
      c.header('Cache-Control', 'no-store');
      return c.json(channel.since(startCursor(query, channel)));
    });
  },
};
