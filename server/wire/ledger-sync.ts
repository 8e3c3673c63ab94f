import type { Redis } from 'ioredis';
import type { StatsReply, TransportFigures } from '../../src/protocol/feed.ts';
import { TRANSPORTS } from '../../src/protocol/transports.ts';
import { FeedUnavailableError } from '../feed/feed.ts';
import { emptyBook, LEDGER_CATEGORIES, type Book, type Ledger } from './ledger.ts';

type PerTransport = StatsReply['transports'];

/** What `/api/stats` and a room's aggregate read: one process's ledger, or the cluster's. */
export interface LedgerStats {
  stats(client: string | null): Promise<StatsReply>;
  /** The figures per transport summed over these clients (a room's members). */
  sum(clients: Iterable<string>): Promise<PerTransport>;
}

const zeroes = (): PerTransport => {
  const { transports } = emptyStats();
  return transports;
};

const emptyStats = (): StatsReply => ({ client: null, ...figuresOf(emptyBook()) });

function figuresOf(book: Book): Pick<StatsReply, 'transports' | 'other'> {
  return { transports: Object.fromEntries(TRANSPORTS.map((name) => [name, book[name]])) as PerTransport, other: book.other };
}

function addInto(sums: PerTransport, figures: PerTransport): void {
  for (const name of TRANSPORTS) {
    for (const field of Object.keys(figures[name]) as (keyof TransportFigures)[]) sums[name][field] += figures[name][field];
  }
}

/** The ledger of a single process, as `LedgerStats`. */
export const localLedgerStats = (ledger: Ledger): LedgerStats => ({
  stats: async (client) => ledger.stats(client),
  sum: async (clients) => {
    const sums = zeroes();
    for (const client of clients) addInto(sums, ledger.stats(client).transports);
    return sums;
  },
});

/** A client's figures in Redis outlive its last byte by this long. */
const CLIENT_TTL_MS = 3_600_000;

const copyBook = (book: Book): Book =>
  Object.fromEntries(LEDGER_CATEGORIES.map((category) => [category, { ...book[category] }])) as Book;

/**
 * The ledger of a cluster: every instance counts its own connections exactly (its `Ledger`)
 * and adds what changed to Redis every STATS_FLUSH_MS (one MULTI of HINCRBYs per flush: a
 * hash per client id and one of totals, fields "<category>.<field>"). `stats` reads Redis's
 * sums and adds this instance's changes not yet flushed, so a figure is exact for this
 * instance's bytes and at most one flush behind for the others'. `openConnections` is summed
 * the same way: an instance killed with connections open leaves them counted until the
 * client's key expires (an hour).
 */
export class LedgerSync implements LedgerStats {
  /**
   * What this instance has added to Redis so far, per client ('' for requests without one),
   * with the book it was taken from: a client the ledger forgot and met again starts from zero.
   */
  private readonly flushed = new Map<string, { from: Book; figures: Book }>();
  /** Clients with changes not yet in Redis. */
  private readonly pending = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly redis: Redis,
    private readonly prefix: string,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  async stats(client: string | null): Promise<StatsReply> {
    const [book] = await this.booksOf([client]);
    return { client, ...figuresOf(book!) };
  }

  async sum(clients: Iterable<string>): Promise<PerTransport> {
    const sums = zeroes();
    for (const book of await this.booksOf([...clients])) addInto(sums, figuresOf(book).transports);
    return sums;
  }

  /** Redis's sums for each client (null: the totals) plus this instance's unflushed changes, in one round trip. */
  private async booksOf(clients: (string | null)[]): Promise<Book[]> {
    let replies: [Error | null, unknown][];
    try {
      const pipeline = this.redis.pipeline();
      for (const client of clients) pipeline.hgetall(this.keyOf(client));
      replies = (await pipeline.exec()) ?? [];
    } catch {
      throw new FeedUnavailableError('the cluster ledger (Redis) is unreachable');
    }
    this.collectTouched();
    return clients.map((client, index) => {
      const [error, stored] = replies[index] ?? [new Error('no reply'), null];
      if (error) throw new FeedUnavailableError('the cluster ledger (Redis) is unreachable');
      const book = emptyBook();
      for (const [name, value] of Object.entries(stored as Record<string, string>)) {
        const [category, field] = name.split('.') as [keyof Book, keyof TransportFigures];
        if (book[category] && field in book[category]) book[category][field] = Number(value);
      }
      for (const key of client === null ? this.pending : [client]) this.addChanges(book, key);
      return book;
    });
  }

  /** Adds what changed since the last flush to Redis (kept for the next flush if Redis is away). */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Stops the timer after one last flush (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }

  private collectTouched(): void {
    for (const client of this.ledger.takeTouched()) this.pending.add(client);
  }

  private async flushNow(): Promise<void> {
    this.collectTouched();
    if (this.pending.size === 0) return;
    const transaction = this.redis.multi();
    const staged = new Map<string, { from: Book; figures: Book }>();
    for (const client of this.pending) {
      const current = this.ledger.peek(client);
      if (!current) {
        this.flushed.delete(client); // forgotten by the ledger (the least recently active)
        continue;
      }
      const changes = emptyBook();
      this.addChanges(changes, client);
      const key = this.keyOf(client || null);
      for (const category of LEDGER_CATEGORIES) {
        for (const [field, change] of Object.entries(changes[category])) {
          if (change === 0) continue;
          if (client) transaction.hincrby(key, `${category}.${field}`, change);
          transaction.hincrby(this.keyOf(null), `${category}.${field}`, change);
        }
      }
      if (client) transaction.pexpire(key, CLIENT_TTL_MS);
      staged.set(client, { from: current, figures: copyBook(current) });
    }
    this.pending.clear();
    try {
      await transaction.exec();
      for (const [client, snapshot] of staged) this.flushed.set(client, snapshot);
      if (this.flushed.size > this.ledger.size + 1000) {
        for (const client of this.flushed.keys()) if (!this.ledger.peek(client)) this.flushed.delete(client);
      }
    } catch {
      // Not applied (MULTI/EXEC is all or nothing): these clients go again next time.
      for (const client of staged.keys()) this.pending.add(client);
    }
  }

  /** Adds this instance's figures for `client` that Redis does not have yet. */
  private addChanges(book: Book, client: string): void {
    const current = this.ledger.peek(client);
    if (!current) return;
    const snapshot = this.flushed.get(client);
    const before = snapshot?.from === current ? snapshot.figures : emptyBook();
    for (const category of LEDGER_CATEGORIES) {
      for (const field of Object.keys(current[category]) as (keyof TransportFigures)[]) {
        book[category][field] += current[category][field] - before[category][field];
      }
    }
  }

  private keyOf(client: string | null): string {
    return client === null ? `${this.prefix}ledger:total` : `${this.prefix}ledger:client:{${client}}`;
  }
}
