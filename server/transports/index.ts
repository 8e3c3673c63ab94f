import type { LedgerCategory } from '../wire/ledger.ts';
import { longPoll } from './long-poll.ts';
import { shortPoll } from './short-poll.ts';
import { sse } from './sse.ts';
import type { Transport } from './types.ts';
import { websocket } from './websocket.ts';

/** The four ways of delivering the feed. Only this file imports the concrete transports. */
export const transports: readonly Transport[] = [shortPoll, longPoll, sse, websocket];

const categoryByPath = new Map<string, LedgerCategory>(transports.map((t) => [t.path, t.name]));

/** Which ledger category a request path belongs to. */
export function categoryOfPath(path: string): LedgerCategory {
  return categoryByPath.get(path) ?? 'other';
}
