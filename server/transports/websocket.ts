import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import type { FeedEvent, FeedSocketMessage } from '../../src/protocol/feed.ts';
import { resolveFeedQuery, startCursor } from '../guard/query.ts';
import { mountSocket } from './socket-helpers.ts';
import type { Transport } from './types.ts';

/** The feed over one WebSocket: replay from `after`, then live, as text messages. */
export const websocket: Transport = {
  name: 'websocket',
  path: '/ws/feed',
  mount(app, deps) {
    mountSocket(app, this.path, deps, (c) => {
      const resolved = resolveFeedQuery(c, deps.feed);
      if (!resolved.ok) return resolved.response;
      const { query, channel } = resolved;
      let unsubscribe = () => {};
      return {
        onOpen(_event, ws) {
          const send = (message: FeedSocketMessage) => ws.send(JSON.stringify(message));
          // Everything here runs synchronously, so no event can slip between backlog and live.
          let sentUpTo = startCursor(query, channel);
          const backlog = channel.since(sentUpTo);
          if (backlog.resync) send({ type: 'resync', cursor: backlog.cursor });
          for (const event of backlog.events) send({ type: 'event', event });
          sentUpTo = backlog.cursor;
          unsubscribe = channel.subscribe((event: FeedEvent) => {
            if (event.seq <= sentUpTo) return;
            sentUpTo = event.seq;
            send({ type: 'event', event });
          });
        },
        onMessage(_event, ws) {
          ws.close(CLOSE_CODES.policyViolation, 'this socket only sends');
        },
        onClose() {
          unsubscribe();
        },
      };
    });
  },
};
