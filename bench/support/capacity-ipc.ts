// The IPC protocol between bench/capacity.ts and its two server children
// (bench/support/capacity-bare.ts, bench/support/capacity-project.ts). Both answer the same
// messages, so the bench treats them alike.
import type { MemoryFigures } from './child-memory.ts';

export interface CapacityFigures extends MemoryFigures {
  /**
   * Connections the server says it holds right now (WebSockets, held long polls, open streams)
   * by request path (a transport's catalog path), and `all` of them.
   */
  held: { byPath: Record<string, number>; all: number };
}

export type ToCapacityServer =
  | { type: 'measure'; id: number; gc?: boolean }
  /** Publish one event on the feed the clients read (`ticker`) now. */
  | { type: 'publish'; id: number };

export type FromCapacityServer =
  | { type: 'ready'; url: string; node: string }
  | { type: 'measure'; id: number; figures: CapacityFigures }
  | { type: 'published'; id: number; seq: number; at: number };

/** A quote shaped like the ticker's (server/feed/producers.ts). */
export function quote(n: number): { symbol: string; price: number; change: number; volume: number } {
  return { symbol: 'AAPL', price: 100 + (n % 50) / 10, change: 0.3, volume: 1700 + n };
}

/** What N connections cost a server: RSS grown (total and per connection), heap and external per connection. */
export interface MemoryGrowth {
  perConnection: number;
  total: number;
  heapPerConnection: number;
  externalPerConnection: number;
  before: CapacityFigures;
  after: CapacityFigures;
}

/** RSS without the young generation's pages (empty after a full GC; see bench/capacity.ts). */
const settledRss = (figures: CapacityFigures) => figures.rssBytes - figures.youngGenBytes;

export function memoryGrowth(before: CapacityFigures, after: CapacityFigures, n: number): MemoryGrowth {
  const grown = settledRss(after) - settledRss(before);
  return {
    perConnection: grown / n,
    total: grown,
    heapPerConnection: (after.heapUsedBytes - before.heapUsedBytes) / n,
    externalPerConnection: (after.externalBytes - before.externalBytes) / n,
    before,
    after,
  };
}
