import { transportSpec } from '../../src/protocol/transports.ts';
import { refusalResponse } from '../guard/errors.ts';
import { resolveFeed } from '../guard/query.ts';
import { httpStreams, type StreamFraming } from './http-stream.ts';
import type { Transport } from './types.ts';

/**
 * Server-Sent Events: opens with `id: <cursor>` (an id-only message: EventSource records it, so
 * even a stream that got no event yet resumes from the right place), then `id: <cursor>` +
 * `data: <event JSON>` per event; `event: resync` when the reader's cursor was lost; a comment
 * heartbeat. `Last-Event-ID` (sent by EventSource on reconnect) resumes like `after`.
 */
const framing: StreamFraming = {
  name: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  start: (cursor, resync) => (resync ? `event: resync\ndata: {"cursor":"${cursor}"}\nid: ${cursor}\n\n` : `id: ${cursor}\n\n`),
  event: (stored, channel) => `id: ${channel.cursorAt(stored.event.seq)}\ndata: ${stored.json}\n\n`,
  heartbeat: ': heartbeat\n\n',
};

export const sse: Transport = {
  name: 'sse',
  path: transportSpec('sse').path,
  mount(app, deps) {
    const serve = httpStreams(deps, framing);
    app.get(this.path, async (c) => {
      const resolved = await resolveFeed(c.req.query(), deps.feed, { lastEventId: c.req.header('last-event-id') });
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      return serve(c, resolved.channel, resolved.from);
    });
  },
};
