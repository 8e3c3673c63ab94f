import type { HttpBindings } from '@hono/node-server';
import { transportSpec } from '../../src/protocol/transports.ts';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { follow, type FeedSink } from '../feed/follow.ts';
import { refusalResponse } from '../guard/errors.ts';
import { resolveFeed, startPosition } from '../guard/query.ts';
import { addressOf, type Transport } from './types.ts';

/**
 * Server-Sent Events, written straight to Node's response (no web-streams chain, and its
 * 'drain' gives us backpressure). The stream opens with `id: <cursor>` (an id-only message:
 * EventSource records it, so even a stream that got no event yet resumes from the right place),
 * then `id: <cursor>` + `data: <event JSON>` per event; `event: resync` when the reader's cursor
 * was lost; a comment heartbeat so idle proxies keep the stream. `Last-Event-ID` (sent by
 * EventSource on reconnect) resumes like `after`. A reader that stays at the unsent-bytes cap is
 * cut, and EventSource reconnects with Last-Event-ID.
 */
export const sse: Transport = {
  name: 'sse',
  path: transportSpec('sse').path,
  mount(app, { feed, config, closing, fairUse }) {
    app.get(this.path, (c) => {
      const resolved = resolveFeed(c.req.query(), feed);
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      if (closing.aborted) return refusalResponse(c, { code: 'shutting_down', message: 'the server is shutting down' });
      const release = fairUse.holdStream(addressOf(c, config));
      if (typeof release !== 'function') return refusalResponse(c, release);
      const { query, channel } = resolved;
      const response = (c.env as HttpBindings).outgoing;
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // nginx and similar proxies buffer responses unless told not to.
        'X-Accel-Buffering': 'no',
      });

      const sink: FeedSink = {
        get unsentBytes() {
          return response.writableLength;
        },
        start(cursor, resync) {
          response.write(resync ? `event: resync\ndata: {"cursor":"${cursor}"}\nid: ${cursor}\n\n` : `id: ${cursor}\n\n`);
        },
        event(stored) {
          response.write((stored.framed.sse ??= Buffer.from(`id: ${channel.cursorAt(stored.event.seq)}\ndata: ${stored.json}\n\n`)));
        },
        onDrain(callback) {
          response.once('drain', callback);
          return () => response.off('drain', callback);
        },
        tooSlow() {
          response.destroy();
        },
      };
      const stop = follow(channel, startPosition(query, c.req.header('last-event-id')), sink, {
        maxUnsentBytes: config.sendBufferMaxBytes,
        slowConsumerMs: config.slowConsumerMs,
      });
      const heartbeat = setInterval(() => {
        if (response.writableLength === 0) response.write(': heartbeat\n\n');
      }, config.sseHeartbeatMs);
      const end = () => response.end();
      closing.addEventListener('abort', end, { once: true });
      // 'close' fires on every exit: the client left, we ended the stream, or we cut it.
      response.once('close', () => {
        stop();
        clearInterval(heartbeat);
        closing.removeEventListener('abort', end);
        release();
      });
      return RESPONSE_ALREADY_SENT;
    });
  },
};
