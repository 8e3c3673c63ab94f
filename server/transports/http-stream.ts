import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { TransportName } from '../../src/protocol/transports.ts';
import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel, StoredEvent } from '../feed/channel.ts';
import { follow, type FeedSink } from '../feed/follow.ts';
import { refusalResponse } from '../guard/errors.ts';
import { addressOf, type TransportDeps } from './types.ts';

/** What differs between the HTTP streaming transports: only the framing. */
export interface StreamFraming {
  /** The transport whose bytes these are: its framed events are cached under this name. */
  name: TransportName;
  contentType: string;
  /** The opening bytes: the cursor the stream continues from (`resync`: the reader's was lost). */
  start(cursor: string, resync: boolean): string;
  /** One event's bytes (encoded once per event and shared by every reader). */
  event(stored: StoredEvent, channel: Channel): string;
  /** Sent on an idle stream every `sseHeartbeatMs`, so proxies keep it open. */
  heartbeat: string;
}

/**
 * One long HTTP response that carries a channel: written straight to Node's response (no
 * web-streams chain; its 'drain' gives backpressure), fed by `follow` from `from`, with a
 * heartbeat while idle, counted against the address's open streams, ended when the server shuts
 * down. A reader that stays at the unsent-bytes cap is cut and resumes from its cursor. Every
 * listener, timer and hold is released on the response's 'close', which fires on every exit.
 */
export function serveHttpStream(c: Context, deps: TransportDeps, channel: Channel, from: CursorPosition | null, framing: StreamFraming) {
  const { config, closing, fairUse } = deps;
  if (closing.aborted) return refusalResponse(c, { code: 'shutting_down', message: 'the server is shutting down' });
  const release = fairUse.holdStream(addressOf(c, config));
  if (typeof release !== 'function') return refusalResponse(c, release);
  const response = (c.env as HttpBindings).outgoing;
  response.writeHead(200, {
    'Content-Type': framing.contentType,
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
      response.write(framing.start(cursor, resync));
    },
    event(stored) {
      response.write((stored.framed[framing.name] ??= Buffer.from(framing.event(stored, channel))));
    },
    onDrain(callback) {
      response.once('drain', callback);
      return () => response.off('drain', callback);
    },
    tooSlow() {
      response.destroy();
    },
  };
  const stop = follow(channel, from, sink, { maxUnsentBytes: config.sendBufferMaxBytes, slowConsumerMs: config.slowConsumerMs });
  const heartbeat = setInterval(() => {
    if (response.writableLength === 0) response.write(framing.heartbeat);
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
}
