import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { TransportName } from '../../src/protocol/transports.ts';
import type { CursorPosition } from '../../src/protocol/cursor.ts';
import type { Channel, StoredEvent } from '../feed/channel.ts';
import { Follower, type FeedSink, type FollowLimits } from '../feed/follow.ts';
import { heartbeatsEvery, type Beating, type Heartbeats } from '../feed/heartbeats.ts';
import { refusalResponse } from '../guard/errors.ts';
import type { FairUse } from '../guard/fair-use.ts';
import { addressOf, releaseAdapterRequest, type TransportDeps } from './types.ts';

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

const STREAM = Symbol('http stream');
type StreamResponse = ServerResponse & { [STREAM]?: HttpStream };

/** What every stream of one transport shares. */
interface StreamShared {
  framing: StreamFraming;
  heartbeats: Heartbeats;
  limits: FollowLimits;
  /** Open streams, for the one shutdown listener. */
  open: Set<HttpStream>;
  fairUse: FairUse;
}

/**
 * One open stream: the feed's sink, its heartbeat, its release. Prototype methods and a shared
 * 'close' listener, so a stream costs this object rather than a timer and a set of closures.
 */
class HttpStream implements FeedSink, Beating {
  follower: Follower | null = null;

  constructor(
    private readonly response: StreamResponse,
    private readonly channel: Channel,
    /** The address whose stream slot this stream holds. */
    private readonly address: string,
    private readonly shared: StreamShared,
  ) {}

  get unsentBytes(): number {
    return this.response.writableLength;
  }

  start(cursor: string, resync: boolean): void {
    this.response.write(this.shared.framing.start(cursor, resync));
  }

  event(stored: StoredEvent): void {
    const { framing } = this.shared;
    this.response.write((stored.framed[framing.name] ??= Buffer.from(framing.event(stored, this.channel))));
  }

  onDrain(callback: () => void): () => void {
    const response = this.response;
    response.once('drain', callback);
    return () => response.off('drain', callback);
  }

  tooSlow(): void {
    this.response.destroy();
  }

  /** Something on an idle stream, so proxies keep it open. */
  beat(): void {
    if (this.response.writableLength === 0) this.response.write(this.shared.framing.heartbeat);
  }

  /** Shutdown: end the stream (its 'close' then releases everything). */
  end(): void {
    this.response.end();
  }

  closed(): void {
    this.follower?.stop();
    this.shared.heartbeats.delete(this);
    this.shared.open.delete(this);
    this.shared.fairUse.releaseStream(this.address);
  }
}

/** 'close' fires on every exit: the client left, we ended the stream, or we cut it. */
function onStreamClose(this: StreamResponse): void {
  const stream = this[STREAM];
  this[STREAM] = undefined;
  stream?.closed();
}

export type ServeStream = (c: Context, channel: Channel, from: CursorPosition | null) => Response | typeof RESPONSE_ALREADY_SENT;

/**
 * The HTTP streams of one transport (call once, at mount): each request becomes one long
 * response that carries a channel, written straight to Node's response (no web-streams chain;
 * its 'drain' gives backpressure), fed by a `Follower` from `from`, with a heartbeat while idle
 * (one shared timer), counted against the address's open streams, ended when the server shuts
 * down (one listener for all). A reader that stays at the unsent-bytes cap is cut and resumes
 * from its cursor. Everything is released on the response's 'close', which fires on every exit.
 */
export function httpStreams(deps: TransportDeps, framing: StreamFraming): ServeStream {
  const { config, closing, fairUse } = deps;
  const shared: StreamShared = {
    framing,
    heartbeats: heartbeatsEvery(config.sseHeartbeatMs),
    limits: { maxUnsentBytes: config.sendBufferMaxBytes, slowConsumerMs: config.slowConsumerMs },
    open: new Set(),
    fairUse,
  };
  closing.addEventListener('abort', () => {
    for (const stream of [...shared.open]) stream.end();
  });
  return (c, channel, from) => {
    if (closing.aborted) return refusalResponse(c, { code: 'shutting_down', message: 'the server is shutting down' });
    const address = addressOf(c, config);
    const refusal = fairUse.holdStream(address);
    if (refusal) return refusalResponse(c, refusal);
    const response = (c.env as HttpBindings).outgoing as StreamResponse;
    response.writeHead(200, {
      'Content-Type': framing.contentType,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // nginx and similar proxies buffer responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    const stream = new HttpStream(response, channel, address, shared);
    response[STREAM] = stream;
    releaseAdapterRequest(response);
    response.on('close', onStreamClose);
    shared.open.add(stream);
    shared.heartbeats.add(stream);
    stream.follower = new Follower(channel, from, stream, shared.limits);
    // The follower may have cut the stream already (a write error); 'close' then comes later.
    return RESPONSE_ALREADY_SENT;
  };
}
