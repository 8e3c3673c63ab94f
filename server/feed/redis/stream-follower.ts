import type { Redis } from 'ioredis';

/** Entries read per XREAD: a reader that fell behind catches up in pages this size. */
const READ_COUNT = 1000;
/** An XREAD blocks at most this long, so a stopped follower's connection is never stuck. */
const BLOCK_MS = 10_000;
/** After a Redis error, wait this long before reading again (the connection reconnects itself). */
const RETRY_MS = 250;

export interface StreamEntries {
  /** One entry, in stream order, exactly once per run of the stream. */
  entry(id: string, fields: string[]): void;
  /**
   * After an outage: the entry id to read on after, when not the last one read (Redis lost its
   * data, or some of it, and the stream began a new run); null to read on as before.
   */
  resumeAfter(reader: Redis): Promise<string | null>;
}

/**
 * Reads one Redis stream from its start and then follows it, handing each entry to `entries`
 * in order. One connection of its own (a blocked XREAD holds it): O(streams) connections per
 * instance, never O(clients). Commands queue while it reconnects, and one in flight when the
 * connection drops fails (rather than being resent) so the follower can ask `resumeAfter`.
 */
export class StreamFollower {
  private lastId = '0-0';
  private stopped = false;
  private readonly reader: Redis;

  constructor(
    commands: Redis,
    private readonly key: string,
    private readonly entries: StreamEntries,
  ) {
    this.reader = commands.duplicate({
      connectionName: `follow:${key}`,
      // Commands wait while it connects; `maxRetriesPerRequest: 0` rejects the one in flight
      // when the connection drops (ioredis would otherwise keep it, unanswered, forever).
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
    });
    this.reader.on('error', () => {}); // reconnects by itself; the loop sees the failures
  }

  /** Reads what the stream holds through `commands` (the reader may still be connecting), then follows. */
  async start(commands: Redis): Promise<void> {
    for (const [id, fields] of await commands.xrange(this.key, '-', '+')) this.take(id, fields);
    void this.follow();
  }

  stop(): void {
    this.stopped = true;
    this.reader.disconnect();
  }

  private async follow(): Promise<void> {
    let failed = false;
    while (!this.stopped) {
      try {
        if (failed) this.lastId = (await this.entries.resumeAfter(this.reader)) ?? this.lastId;
        failed = false;
        const reply = await this.reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, this.lastId);
        for (const [, entries] of reply ?? []) for (const [id, fields] of entries) this.take(id, fields);
      } catch {
        if (this.stopped) return;
        failed = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private take(id: string, fields: string[]): void {
    this.lastId = id;
    try {
      this.entries.entry(id, fields);
    } catch (error) {
      console.error(`redis: skipping entry ${id} of ${this.key}:`, error);
    }
  }
}

/** An entry's fields ([name, value, name, value, …]) as an object. */
export function fieldsOf(fields: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  return values;
}
