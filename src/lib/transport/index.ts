import type { TransportName } from '../../protocol/feed.ts';
import { FetchStreamTransport } from './fetch-stream.ts';
import { LongPollTransport } from './long-poll.ts';
import { ShortPollTransport } from './short-poll.ts';
import { SseTransport } from './sse.ts';
import type { TransportFactory } from './types.ts';
import { WebSocketTransport } from './websocket.ts';

export type * from './types.ts';

/** Name → client. Only this file imports the concrete transports. */
export const transportClients: Record<TransportName, TransportFactory> = {
  'short-poll': (options, callbacks) => new ShortPollTransport(options, callbacks),
  'long-poll': (options, callbacks) => new LongPollTransport(options, callbacks),
  sse: (options, callbacks) => new SseTransport(options, callbacks),
  websocket: (options, callbacks) => new WebSocketTransport(options, callbacks),
  'fetch-stream': (options, callbacks) => new FetchStreamTransport(options, callbacks),
};

/** A random client id for the ledger, e.g. "page-3f9a1c2e". */
export function newClientId(prefix = 'page'): string {
  return `${prefix}-${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(16).padStart(8, '0'), '')}`;
}
