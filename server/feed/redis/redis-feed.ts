import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CursorPosition } from '../../../src/protocol/cursor.ts';
import { DEFAULT_CHANNEL, type ChannelRequest, type FeedEvent } from '../../../src/protocol/feed.ts';
import { Channel, newFeedId } from '../channel.ts';
import { FeedUnavailableError, TooManyChannelsError, type Feed, type FeedOptions, type PublishOptions } from '../feed.ts';
import { createQuoteSource, paddedPayload } from '../producers.ts';
import type { FeedHealth } from '../../api/health.ts';
import { connectRedis, unlessUnavailable } from './connect.ts';
import { Lease } from './lease.ts';
import { Replica, type EntryMarker } from './replica.ts';
import { channelKeys, type ChannelKeys } from './scripts.ts';

export interface RedisFeedOptions extends FeedOptions {
  url: string;
  /** Prefix of every key, so several deployments can share one Redis. */
  prefix: string;
  /** A producer's lease: another instance takes over within about 4/3 of this after its holder dies. */
  leaseTtlMs: number;
}

type Kind = 'ticker' | 'race' | 'room' | 'named';

/** One channel this instance reads, with what it may run for it. */
interface Attached {
  kind: Kind;
  keys: ChannelKeys;
  replica: Replica;
  /** A race's last seq (0: no end). */
  total: number;
  intervalMs: number;
  payloadBytes: number;
  /** The producer's lease (ticker, race): only its holder publishes. */
  lease: Lease | null;
  producer: NodeJS.Timeout | null;
  /** Detaches the replica when the channel's keys expire in Redis. */
  expiry: NodeJS.Timeout | null;
  /** The race was created here: release its fair-use hold once it ends. */
  onEnd: (() => void) | null;
}

/** How long a cursor from another instance may wait for this replica to catch up with it. */
const CATCH_UP_MS = 2000;
/** A race channel's keys outlive its last event by one buffer age plus this (failovers, clocks). */
const EXPIRY_SLACK_MS = 10_000;
/** An ended room's keys linger this long, so every replica reads its `end` entry first. */
const ENDED_ROOM_LINGER_MS = 10_000;

/**
 * The feed on Redis Streams (REDIS_URL): one stream per channel whose entry ids are the events'
 * `seq` ("<seq>-0"), numbered by a Lua script so every instance hands out the same numbers and a
 * cursor works on any instance; `MAXLEN` trimming is the ring buffer, and the channel's feed id
 * lives beside it in a meta hash. Each instance reads each channel it serves through one
 * `Replica` and fans out locally; producers (the ticker, races) run on whichever instance holds
 * the channel's lease. When Redis is unreachable, readers are cut (1013 / stream closed) and
 * `open` rejects (503) until it is back; nothing is published meanwhile, so `seq` has no gap.
 */
export class RedisFeed implements Feed {
  private readonly attached = new Map<string, Attached>();
  private readonly opening = new Map<string, Promise<Channel | undefined>>();
  private readonly instanceId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private ownedLiveRaces = 0;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisFeedOptions,
  ) {}

  /** Connects (or rejects within a few seconds, with the reason) and attaches the ticker. */
  static async connect(options: RedisFeedOptions): Promise<RedisFeed> {
    const redis = await connectRedis(options.url, `${options.prefix}feed`);
    const feed = new RedisFeed(redis, options);
    redis.on('close', () => feed.onRedisLost());
    await feed.ensureTicker();
    await feed.attach(DEFAULT_CHANNEL);
    return feed;
  }

  private get available(): boolean {
    return this.redis.status === 'ready' && !this.closed;
  }

  health(): FeedHealth {
    return { backend: 'redis', redis: this.redis.status, channels: this.attached.size };
  }

  get(id: string): Channel | undefined {
    return this.attached.get(id)?.replica.channel;
  }

  async open(id: string, from: CursorPosition | null): Promise<Channel | undefined> {
    if (!this.available) throw new FeedUnavailableError('the shared feed (Redis) is unreachable');
    // A named channel (a chat room) is its members' only: it is not read through the feed's endpoints.
    const local = this.attached.get(id);
    if (local?.kind === 'named') return undefined;
    if (!local && (await this.command(() => this.redis.hget(channelKeys(this.options.prefix, id).meta, 'kind'))) === 'named') return undefined;
    const channel = local?.replica.channel ?? (await this.attach(id));
    if (channel && from && from.feedId === channel.feedId && from.seq > channel.latestSeq) await this.catchUp(channel, from.seq);
    return channel;
  }

  async publish(channel: Channel, data: unknown, options: PublishOptions = {}): Promise<FeedEvent> {
    return this.publishEntry(channel.id, JSON.stringify(data ?? null), options.cutReaders ? 'cut' : '');
  }

  async createPrivate(request: ChannelRequest, onEnd: () => void = () => {}): Promise<Channel> {
    if (this.ownedLiveRaces >= this.options.maxPrivateChannels) throw new TooManyChannelsError();
    const id = `race-${randomBytes(6).toString('hex')}`;
    const total = Math.max(1, Math.floor(request.durationMs / request.intervalMs));
    const expiresAt = Date.now() + request.durationMs + this.options.maxAgeMs + EXPIRY_SLACK_MS;
    await this.command(() =>
      this.redis.feedCreate(channelKeys(this.options.prefix, id).meta, newFeedId(), 'race', total, request.intervalMs, request.payloadBytes, expiresAt),
    );
    this.ownedLiveRaces++;
    const channel = await this.attach(id);
    const entry = this.attached.get(id);
    if (!channel || !entry) {
      this.ownedLiveRaces--;
      throw new FeedUnavailableError('the new channel could not be read back from Redis');
    }
    entry.onEnd = onEnd;
    return channel;
  }

  async createRoomChannel(): Promise<Channel> {
    const id = `room-${randomBytes(8).toString('hex')}`;
    await this.command(() => this.redis.feedCreate(channelKeys(this.options.prefix, id).meta, newFeedId(), 'room', 0, 0, 0, 0));
    const channel = await this.attach(id);
    if (!channel) throw new FeedUnavailableError('the new channel could not be read back from Redis');
    return channel;
  }

  async touchRoomChannel(channel: Channel, ttlMs: number): Promise<void> {
    const keys = channelKeys(this.options.prefix, channel.id);
    await this.command(() => this.redis.multi().pexpire(keys.meta, ttlMs).pexpire(keys.events, ttlMs).exec());
  }

  async openNamed(id: string): Promise<Channel> {
    const existing = this.get(id);
    if (existing) return existing;
    await this.command(() => this.redis.feedCreate(channelKeys(this.options.prefix, id).meta, newFeedId(), 'named', 0, 0, 0, 0));
    const channel = await this.attach(id);
    if (!channel) throw new FeedUnavailableError('the channel could not be read back from Redis');
    return channel;
  }

  /** Lets go of this instance's replica (its Redis connection); the channel lives on for other instances. */
  releaseNamed(channel: Channel): void {
    if (channel.readerCount === 0) this.detach(channel.id);
  }

  async count(channel: Channel, delta: number): Promise<number> {
    return Number(await this.command(() => this.redis.hincrby(channelKeys(this.options.prefix, channel.id).meta, 'members', delta)));
  }

  /** Every instance's replica reads the `end` entry and lets go; the keys then expire. */
  removeRoomChannel(channel: Channel): void {
    const keys = channelKeys(this.options.prefix, channel.id);
    this.publishEntry(channel.id, 'null', 'end')
      .then(() => this.redis.multi().pexpire(keys.meta, ENDED_ROOM_LINGER_MS).pexpire(keys.events, ENDED_ROOM_LINGER_MS).exec())
      .catch(() => {}); // Redis away: the keys stay until the room's cleanup is retried by its expiry
    this.detach(channel.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.attached.keys()]) this.detach(id);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Runs a command, turning "Redis is not there" into FeedUnavailableError. */
  private command<T>(run: () => Promise<T>): Promise<T> {
    return unlessUnavailable(() => this.available, run);
  }

  private async publishEntry(id: string, dataJson: string, marker: EntryMarker | ''): Promise<FeedEvent> {
    const keys = channelKeys(this.options.prefix, id);
    const run = () => this.redis.feedPublish(keys.meta, keys.events, dataJson, Date.now(), id, this.options.maxEvents, marker);
    try {
      const [, json] = await this.command(run);
      return JSON.parse(json) as FeedEvent;
    } catch (error) {
      // The ticker's meta is gone only when Redis lost its data: start a new run of it.
      if (id !== DEFAULT_CHANNEL || !String((error as Error).message).includes('NOCHANNEL')) throw error;
      await this.ensureTicker();
      const [, json] = await this.command(run);
      return JSON.parse(json) as FeedEvent;
    }
  }

  private async ensureTicker(): Promise<void> {
    await this.command(() => this.redis.feedCreate(channelKeys(this.options.prefix, DEFAULT_CHANNEL).meta, newFeedId(), 'ticker', 0, 0, 0, 0));
  }

  /** Attaches a channel that exists in Redis (once, however many readers ask at the same time). */
  private attach(id: string): Promise<Channel | undefined> {
    const existing = this.get(id);
    if (existing) return Promise.resolve(existing);
    let pending = this.opening.get(id);
    if (!pending) {
      pending = this.attachNow(id).finally(() => this.opening.delete(id));
      this.opening.set(id, pending);
    }
    return pending;
  }

  private async attachNow(id: string): Promise<Channel | undefined> {
    const keys = channelKeys(this.options.prefix, id);
    const meta = await this.command(() => this.redis.hgetall(keys.meta));
    if (!meta.feedId || this.closed) return undefined;
    const { maxEvents, maxAgeMs, maxBytes } = this.options;
    const channel = new Channel(id, { maxEvents, maxAgeMs, maxBytes }, Date.now, meta.feedId);
    const entry: Attached = {
      kind: meta.kind as Kind,
      keys,
      replica: new Replica(channel, keys, this.redis, (replica, marker) => this.onEntry(replica, marker)),
      total: Number(meta.total),
      intervalMs: Number(meta.intervalMs),
      payloadBytes: Number(meta.payloadBytes),
      lease: null,
      producer: null,
      expiry: null,
      onEnd: null,
    };
    this.attached.set(id, entry);
    try {
      await entry.replica.start(this.redis);
    } catch (error) {
      this.detach(id);
      throw error;
    }
    const expiresAt = Number(meta.expiresAt);
    if (expiresAt > 0) {
      entry.expiry = setTimeout(() => this.detach(id), Math.max(0, expiresAt - Date.now()));
      entry.expiry.unref();
    }
    if (entry.kind === 'ticker' || (entry.kind === 'race' && channel.latestSeq < entry.total)) {
      entry.lease = new Lease(this.redis, keys.lease, this.instanceId, this.options.leaseTtlMs, (held) => this.onLease(id, held));
      entry.lease.start();
    }
    return channel;
  }

  private detach(id: string): void {
    const entry = this.attached.get(id);
    if (!entry) return;
    this.attached.delete(id);
    this.stopProducing(entry);
    entry.lease?.stop();
    if (entry.expiry) clearTimeout(entry.expiry);
    entry.replica.stop();
    entry.replica.channel.disconnectReaders();
    this.endRace(entry);
  }

  private onEntry(replica: Replica, marker: EntryMarker | undefined): void {
    const { channel } = replica;
    const entry = this.attached.get(channel.id);
    if (!entry) return;
    if (marker === 'cut') channel.disconnectReaders();
    else if (marker === 'end') return this.detach(channel.id);
    if (entry.kind === 'race' && channel.latestSeq >= entry.total) {
      this.stopProducing(entry);
      entry.lease?.stop();
      entry.lease = null;
      this.endRace(entry);
    }
  }

  /** The race created here is over (its last event, or its expiry): release its hold once. */
  private endRace(entry: Attached): void {
    const onEnd = entry.onEnd;
    if (!onEnd) return;
    entry.onEnd = null;
    this.ownedLiveRaces--;
    onEnd();
  }

  private onLease(id: string, held: boolean): void {
    const entry = this.attached.get(id);
    if (!entry) return;
    if (!held) return this.stopProducing(entry);
    if (entry.kind === 'ticker') {
      const nextQuote = createQuoteSource();
      this.produce(entry, this.options.tickerIntervalMs, () => JSON.stringify(nextQuote()));
    } else {
      const data = JSON.stringify(paddedPayload(entry.payloadBytes));
      this.produce(entry, entry.intervalMs, () => data);
    }
  }

  private produce(entry: Attached, intervalMs: number, next: () => string): void {
    this.stopProducing(entry);
    const id = entry.replica.channel.id;
    entry.producer = setInterval(() => {
      // A tick that fails (Redis away, the race already complete) publishes nothing: no seq is used.
      this.publishEntry(id, next(), '').catch((error: Error) => {
        if (String(error.message).includes('ENDED')) this.stopProducing(entry);
      });
    }, intervalMs);
    entry.producer.unref();
  }

  private stopProducing(entry: Attached): void {
    if (entry.producer) clearInterval(entry.producer);
    entry.producer = null;
  }

  /** Waits until this replica holds `seq`, if the stream does (else the cursor is from the future). */
  private async catchUp(channel: Channel, seq: number): Promise<void> {
    const published = Number(await this.command(() => this.redis.hget(channelKeys(this.options.prefix, channel.id).meta, 'seq')));
    const deadline = Date.now() + CATCH_UP_MS;
    while (seq <= published && channel.latestSeq < seq && Date.now() < deadline) {
      await channel.waitForNewer(channel.latestSeq, deadline - Date.now());
    }
  }

  /** Redis went away: cut every reader, so each retries (and gets 503 until Redis is back). */
  private onRedisLost(): void {
    if (this.closed) return;
    for (const { replica } of this.attached.values()) replica.channel.disconnectReaders();
  }
}
