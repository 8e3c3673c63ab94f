import type { Redis } from 'ioredis';
import type { FeedEvent } from '../../../src/protocol/feed.ts';
import { StoredEvent, type Channel } from '../channel.ts';
import type { ChannelKeys } from './scripts.ts';
import { fieldsOf, StreamFollower, type StreamEntries } from './stream-follower.ts';

/** What an entry's marker asks of every instance's replica once the event is appended. */
export type EntryMarker = 'cut' | 'end';

/**
 * This process's copy of one channel's Redis stream: every entry is appended to the local
 * `Channel`, whose ring buffer and subscribers serve every local reader exactly as in memory.
 * An entry's `f` field is the channel's feed id: a Redis that lost its data starts a new run
 * of the stream, and its first entry restarts the local channel, so readers resync.
 */
export class Replica implements StreamEntries {
  private readonly follower: StreamFollower;

  constructor(
    readonly channel: Channel,
    private readonly keys: ChannelKeys,
    commands: Redis,
    private readonly onEntry: (replica: Replica, marker: EntryMarker | undefined) => void,
  ) {
    this.follower = new StreamFollower(commands, keys.events, this);
  }

  start(commands: Redis): Promise<void> {
    return this.follower.start(commands);
  }

  stop(): void {
    this.follower.stop();
  }

  async startsOver(reader: Redis): Promise<boolean> {
    return (await reader.hget(this.keys.meta, 'feedId')) !== this.channel.feedId;
  }

  entry(_id: string, fields: string[]): void {
    const { f: feedId, e: json, x: marker } = fieldsOf(fields);
    if (!feedId || !json) throw new Error('not a feed entry');
    if (feedId !== this.channel.feedId) this.channel.restart(feedId);
    this.channel.append(new StoredEvent(JSON.parse(json) as FeedEvent, json));
    this.onEntry(this, marker as EntryMarker | undefined);
  }
}
