import type { TransportName } from '../../src/protocol/transports.ts';
import { TRANSPORTS, transportSpec } from '../../src/protocol/transports.ts';
import type { LedgerCategory } from '../wire/ledger.ts';
import { fetchStream } from './fetch-stream.ts';
import { longPoll } from './long-poll.ts';
import { shortPoll } from './short-poll.ts';
import { sse } from './sse.ts';
import type { Transport } from './types.ts';
import { websocket } from './websocket.ts';

/**
 * Name → server transport, for every entry of the catalog (src/protocol/transports.ts): the
 * compiler refuses a catalog entry without one. Only this file imports the concrete transports.
 */
const registry: Record<TransportName, Transport> = {
  'short-poll': shortPoll,
  'long-poll': longPoll,
  sse,
  websocket,
  'fetch-stream': fetchStream,
};

/** The ways of delivering the feed, in catalog order. */
export const transports: readonly Transport[] = TRANSPORTS.map((name) => registry[name]);

const categoryByPath = new Map<string, LedgerCategory>(TRANSPORTS.map((name) => [transportSpec(name).path, name]));

/** Which ledger category a request path belongs to. */
export function categoryOfPath(path: string): LedgerCategory {
  return categoryByPath.get(path) ?? 'other';
}
