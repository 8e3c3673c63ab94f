import { TRANSPORTS, type StatsReply, type TransportFigures, type TransportName } from '../../src/protocol/feed.ts';

/** Where a request's bytes are filed: one of the transports, or `other`. */
export type LedgerCategory = TransportName | 'other';

const emptyFigures = (): TransportFigures => ({
  requests: 0,
  requestHeaderBytes: 0,
  responseHeaderBytes: 0,
  payloadBytes: 0,
  framingBytes: 0,
  framesIn: 0,
  framesOut: 0,
  openConnections: 0,
});

export type Book = Record<LedgerCategory, TransportFigures>;
export const LEDGER_CATEGORIES: readonly LedgerCategory[] = [...TRANSPORTS, 'other'];
export const emptyBook = (): Book =>
  Object.fromEntries([...TRANSPORTS, 'other'].map((name) => [name, emptyFigures()])) as Book;

export type CountedField = keyof TransportFigures;

/**
 * One place a connection's bytes go: the figures of one client for one transport, and the
 * totals over everyone. Counting into both at once keeps `/api/stats` O(1) without a client.
 */
export class LedgerAccount {
  constructor(
    private readonly own: TransportFigures,
    private readonly total: TransportFigures,
    private readonly client: string,
    /** The ledger's set of clients changed since the last flush to Redis (null: not shared). */
    private readonly touched: Set<string> | null,
  ) {}

  add(field: CountedField, amount: number): void {
    if (amount === 0) return;
    this.own[field] += amount;
    this.total[field] += amount;
    this.touched?.add(this.client);
  }
}

/**
 * Requests, header bytes, payload bytes and framing bytes per client id and transport, as the
 * socket taps in `connection-tap.ts` see them on the wire. Remembers at most `maxClients` ids,
 * forgetting the least recently active.
 */
export class Ledger {
  private readonly clients = new Map<string, Book>();
  private readonly totals = emptyBook();
  /** One account per (client, category), shared by all its connections instead of one each. */
  private readonly accounts = new WeakMap<TransportFigures, LedgerAccount>();
  private readonly touched: Set<string> | null;

  /** `trackChanges`: remember which clients' figures changed, for `LedgerSync` (a cluster). */
  constructor(
    private readonly maxClients: number,
    { trackChanges = false } = {},
  ) {
    this.touched = trackChanges ? new Set() : null;
  }

  account(client: string | null, category: LedgerCategory): LedgerAccount {
    const own = this.bookOf(client)[category];
    let account = this.accounts.get(own);
    if (!account) this.accounts.set(own, (account = new LedgerAccount(own, this.totals[category], client ?? '', this.touched)));
    return account;
  }

  /** The clients ('' for requests without one) whose figures changed since the last call. */
  takeTouched(): string[] {
    if (!this.touched) return [];
    const clients = [...this.touched];
    this.touched.clear();
    return clients;
  }

  /** How many client ids it remembers now. */
  get size(): number {
    return this.clients.size;
  }

  /** A client's live figures, without marking it active; undefined once forgotten. */
  peek(client: string): Book | undefined {
    return this.clients.get(client);
  }

  stats(client: string | null): StatsReply {
    const book = client === null ? this.totals : (this.clients.get(client) ?? emptyBook());
    const copy = (name: LedgerCategory) => ({ ...book[name] });
    return {
      client,
      transports: Object.fromEntries(TRANSPORTS.map((name) => [name, copy(name)])) as StatsReply['transports'],
      other: copy('other'),
    };
  }

  private bookOf(client: string | null): Book {
    const key = client ?? '';
    let book = this.clients.get(key);
    if (book) {
      this.clients.delete(key); // re-insert: Map order doubles as least-recently-used order
    } else {
      book = emptyBook();
      if (this.clients.size >= this.maxClients) this.clients.delete(this.clients.keys().next().value!);
    }
    this.clients.set(key, book);
    return book;
  }
}
