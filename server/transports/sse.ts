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
        const send = (event: FeedEvent) => stream.writeSSE({ id: String(event.seq), data: JSON.stringify(event) });
        // Subscribe before reading the backlog so nothing published in between is lost; live
        // events wait in `queue` until the backlog is out, and anything already sent is skipped.
        let sentUpTo = after;
        let live = false;
        const queue: FeedEvent[] = [];
        let writing: Promise<void> = Promise.resolve();
        const flush = async () => {
          for (let event = queue.shift(); event; event = queue.shift()) {
            if (event.seq <= sentUpTo) continue;
            sentUpTo = event.seq;
            await send(event);
          }
        };
        const unsubscribe = channel.subscribe((event) => {
          queue.push(event);
          if (live) writing = writing.then(flush);
        });
        const backlog = channel.since(after);
        if (backlog.resync) await stream.writeSSE({ event: 'resync', data: JSON.stringify({ cursor: backlog.cursor }) });
        for (const event of backlog.events) {
          sentUpTo = event.seq;
          await send(event);
        }
        live = true;
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
