import type { Redis } from 'ioredis';
import type { FeedEvent } from '../../../src/protocol/feed.ts';
import { StoredEvent, type Channel } from '../channel.ts';
import type { ChannelKeys } from './scripts.ts';

/** Entries read per XREAD: a reader that fell behind catches up in pages this size. */
const READ_COUNT = 1000;
/** An XREAD blocks at most this long, so a stopped replica's connection is never stuck. */
const BLOCK_MS = 10_000;
/** After a Redis error, wait this long before reading again (the connection reconnects itself). */
const RETRY_MS = 250;

/** What an entry's marker asks of every instance's replica once the event is appended. */
export type EntryMarker = 'cut' | 'end';

/**
 * This process's copy of one channel's Redis stream. It loads what the stream holds, then one
 * blocking reader connection (XREAD BLOCK; O(channels) connections per instance, never
 * O(clients)) appends each new entry to the local `Channel`, whose ring buffer and subscribers
 * serve every local reader exactly as in memory. After a Redis error it checks the channel's
 * feed id before reading on: a Redis that lost its data restarts the stream's ids, and the
 * entries of the new run (their `f` field) restart the local channel so readers resync.
 */
export class Replica {
  private lastId = '0-0';
  private stopped = false;
  private readonly reader: Redis;

  constructor(
    readonly channel: Channel,
    private readonly keys: ChannelKeys,
    commands: Redis,
    private readonly onEntry: (replica: Replica, marker: EntryMarker | undefined) => void,
  ) {
    // Its own connection: a blocked XREAD holds it. Commands queue while it reconnects, and one
    // in flight when the connection drops fails (rather than being resent) so `follow` revalidates.
    this.reader = commands.duplicate({
      connectionName: `feed-reader:${channel.id}`,
      enableOfflineQueue: true,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: null,
    });
    this.reader.on('error', () => {}); // reconnects by itself; the loop sees the failures
  }

  /** Loads the backlog through `commands` (the reader may still be connecting), then follows. */
  async start(commands: Redis): Promise<void> {
    const entries = await commands.xrange(this.keys.events, '-', '+');
    for (const [id, fields] of entries) this.ingest(id, fields);
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
        if (failed) await this.revalidate();
        failed = false;
        const reply = await this.reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.keys.events, this.lastId);
        for (const [, entries] of reply ?? []) for (const [id, fields] of entries) this.ingest(id, fields);
      } catch {
        if (this.stopped) return;
        failed = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** After an outage: a stream from another run (or none yet) is read from its start. */
  private async revalidate(): Promise<void> {
    const feedId = await this.reader.hget(this.keys.meta, 'feedId');
    if (feedId !== this.channel.feedId) this.lastId = '0-0';
  }

  private ingest(id: string, fields: string[]): void {
    this.lastId = id;
    let feedId = '';
    let json = '';
    let marker: EntryMarker | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const value = fields[i + 1]!;
      if (fields[i] === 'f') feedId = value;
      else if (fields[i] === 'e') json = value;
      else if (fields[i] === 'x') marker = value as EntryMarker;
    }
    try {
      if (feedId !== this.channel.feedId) this.channel.restart(feedId);
      this.channel.append(new StoredEvent(JSON.parse(json) as FeedEvent, json));
      this.onEntry(this, marker);
    } catch (error) {
      console.error(`feed: skipping an unreadable entry ${id} of ${this.channel.id}:`, error);
    }
  }
}
