import { streamSSE } from 'hono/streaming';
import { resolveFeedQuery, startCursor } from '../guard/query.ts';
import type { FeedEvent } from '../../src/protocol/feed.ts';
import type { Transport } from './types.ts';

/**
 * Server-Sent Events: `id: <seq>` + `data: <event JSON>` per event, `event: resync` when the
 * reader's cursor fell out of the buffer, a comment heartbeat so idle proxies keep the stream.
 * `Last-Event-ID` (sent by EventSource on reconnect) resumes like `after`.
 */
export const sse: Transport = {
  name: 'sse',
  path: '/api/sse',
  mount(app, { feed, config, closing }) {
    app.get(this.path, (c) => {
      const resolved = resolveFeedQuery(c, feed);
      if (!resolved.ok) return resolved.response;
      const { query, channel } = resolved;
      const after = startCursor(query, channel, c.req.header('last-event-id'));
      // nginx and similar proxies buffer responses unless told not to.
      c.header('X-Accel-Buffering', 'no');
      c.header('Cache-Control', 'no-store');
      return streamSSE(c, async (stream) => {
        // The backlog and the subscription are taken in the same synchronous step, so no event
        // can fall between them; one writer then sends the queue in order, live events after.
        const backlog = channel.since(after);
        const queue: FeedEvent[] = [...backlog.events];
        const flush = async () => {
          for (let event = queue.shift(); event; event = queue.shift()) {
            await stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
          }
        };
        let writing = backlog.resync ? stream.writeSSE({ event: 'resync', data: JSON.stringify({ cursor: backlog.cursor }) }) : Promise.resolve();
        const unsubscribe = channel.subscribe((event) => {
          queue.push(event);
          writing = writing.then(flush);
        });
        await (writing = writing.then(flush));

        const heartbeat = setInterval(() => void stream.write(': heartbeat\n\n'), config.sseHeartbeatMs);
        await new Promise<void>((resolve) => {
          if (closing.aborted) return resolve();
          stream.onAbort(resolve);
          closing.addEventListener('abort', () => resolve(), { once: true });
        });
        clearInterval(heartbeat);
        unsubscribe();
      });
    });
  },
};
