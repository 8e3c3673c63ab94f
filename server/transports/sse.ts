import type { HttpBindings } from '@hono/node-server';
import { transportSpec } from '../../src/protocol/transports.ts';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { ServerResponse } from 'node:http';
import type { Channel, StoredEvent } from '../feed/channel.ts';
import { Follower, type FeedSink } from '../feed/follow.ts';
import { heartbeatsEvery, type Beating, type Heartbeats } from '../feed/heartbeats.ts';
import { refusalResponse } from '../guard/errors.ts';
import { resolveFeed, startPosition } from '../guard/query.ts';
import { addressOf, type Transport } from './types.ts';

const STREAM = Symbol('sse stream');
type StreamResponse = ServerResponse & { [STREAM]?: SseStream };

/**
 * One open stream: the feed's sink, its heartbeat, its release. Prototype methods and a shared
 * 'close' listener, so a stream costs this object rather than a timer and a set of closures.
 */
class SseStream implements FeedSink, Beating {
  follower: Follower | null = null;

  constructor(
    private readonly response: StreamResponse,
    private readonly channel: Channel,
    private readonly release: () => void,
    private readonly heartbeats: Heartbeats,
    private readonly open: Set<SseStream>,
  ) {}

  get unsentBytes(): number {
    return this.response.writableLength;
  }

  start(cursor: string, resync: boolean): void {
    this.response.write(resync ? `event: resync\ndata: {"cursor":"${cursor}"}\nid: ${cursor}\n\n` : `id: ${cursor}\n\n`);
  }

  event(stored: StoredEvent): void {
    this.response.write((stored.framed.sse ??= Buffer.from(`id: ${this.channel.cursorAt(stored.event.seq)}\ndata: ${stored.json}\n\n`)));
  }

  onDrain(callback: () => void): () => void {
    const response = this.response;
    response.once('drain', callback);
    return () => response.off('drain', callback);
  }

  tooSlow(): void {
    this.response.destroy();
  }

  /** A comment line on an idle stream, so proxies keep it open. */
  beat(): void {
    if (this.response.writableLength === 0) this.response.write(': heartbeat\n\n');
  }

  /** Shutdown: end the stream (its 'close' then releases everything). */
  end(): void {
    this.response.end();
  }

  closed(): void {
    this.follower?.stop();
    this.heartbeats.delete(this);
    this.open.delete(this);
    this.release();
  }
}

/** 'close' fires on every exit: the client left, we ended the stream, or we cut it. */
function onStreamClose(this: StreamResponse): void {
  const stream = this[STREAM];
  this[STREAM] = undefined;
  stream?.closed();
}

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
    const heartbeats = heartbeatsEvery(config.sseHeartbeatMs);
    const limits = { maxUnsentBytes: config.sendBufferMaxBytes, slowConsumerMs: config.slowConsumerMs };
    // One shutdown listener for every stream of this server, not one each.
    const open = new Set<SseStream>();
    closing.addEventListener('abort', () => {
      for (const stream of [...open]) stream.end();
    });
    app.get(this.path, (c) => {
      const resolved = resolveFeed(c.req.query(), feed);
      if (!resolved.ok) return refusalResponse(c, resolved.refusal);
      if (closing.aborted) return refusalResponse(c, { code: 'shutting_down', message: 'the server is shutting down' });
      const release = fairUse.holdStream(addressOf(c, config));
      if (typeof release !== 'function') return refusalResponse(c, release);
      const { query, channel } = resolved;
      const response = (c.env as HttpBindings).outgoing as StreamResponse;
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // nginx and similar proxies buffer responses unless told not to.
        'X-Accel-Buffering': 'no',
      });
      const stream = new SseStream(response, channel, release, heartbeats, open);
      response[STREAM] = stream;
      response.on('close', onStreamClose);
      open.add(stream);
      heartbeats.add(stream);
      stream.follower = new Follower(channel, startPosition(query, c.req.header('last-event-id')), stream, limits);
      // The follower may have cut the stream already (a write error); 'close' then comes later.
      return RESPONSE_ALREADY_SENT;
    });
  },
};
