import type { Redis } from 'ioredis';
import type { FeedEvent } from '../../../src/protocol/feed.ts';
import { newFeedId, StoredEvent, type Channel } from '../channel.ts';
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

  /**
   * After an outage: a stream of another run (Redis lost its data, or another replica began a
   * new run) is read from its start: its entries say which run they belong to. A Redis that
   * came back with fewer events than this replica holds (it lost its last writes, e.g. with an
   * fsync every second) would hand out those seqs again with other events: the channel starts
   * a new run at once, here and (by its entries) on every other replica, and readers resync.
   */
  async resumeAfter(reader: Redis): Promise<string | null> {
    const [feedId, seq] = await reader.hmget(this.keys.meta, 'feedId', 'seq');
    if (feedId !== this.channel.feedId) return '0-0';
    if (Number(seq) >= this.channel.latestSeq) return null;
    const run = await reader.feedNewRun(this.keys.meta, this.channel.feedId, newFeedId());
    if (run) this.channel.restart(run);
    return `${seq}-0`;
  }

  entry(_id: string, fields: string[]): void {
    const { f: feedId, e: json, x: marker } = fieldsOf(fields);
    if (!feedId || !json) throw new Error('not a feed entry');
    if (feedId !== this.channel.feedId) this.channel.restart(feedId);
    this.channel.append(new StoredEvent(JSON.parse(json) as FeedEvent, json));
    this.onEntry(this, marker as EntryMarker | undefined);
  }
}
