import type { TransportFigures } from '../../src/protocol/feed.ts';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';
import type { Ledger } from '../wire/ledger.ts';

/**
 * The ledger's figures per transport, summed over a room's members' client ids: the
 * aggregate's `ledger`. A function, so a cluster-wide ledger can take the local one's place.
 */
export type MemberLedger = (clients: Iterable<string>) => Record<TransportName, TransportFigures>;

/** What this instance's own ledger saw of the members. */
export function localMemberLedger(ledger: Ledger): MemberLedger {
  return (clients) => {
    const sums = ledger.stats(null).transports; // fresh copies, zeroed below, in the ledger's shape
    for (const figures of Object.values(sums)) for (const field of Object.keys(figures) as (keyof TransportFigures)[]) figures[field] = 0;
    for (const client of clients) {
      const own = ledger.stats(client).transports;
      for (const name of TRANSPORTS) {
        for (const field of Object.keys(own[name]) as (keyof TransportFigures)[]) sums[name][field] += own[name][field];
      }
    }
    return sums;
  };
}
