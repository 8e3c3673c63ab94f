import { randomBytes } from 'node:crypto';
import { DEFAULT_CHANNEL, type ChannelRequest, type FeedEvent } from '../../src/protocol/feed.ts';
import { Channel } from './channel.ts';
import { TooManyChannelsError, type Feed, type FeedOptions, type PublishOptions } from './feed.ts';
import { createQuoteSource, paddedPayload } from './producers.ts';
import type { FeedHealth } from '../api/health.ts';

/** The feed of one process (no REDIS_URL): channels, their buffers and producers in memory. */
export class MemoryFeed implements Feed {
  private readonly channels = new Map<string, Channel>();
  private readonly counts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private liveChannels = 0;

  constructor(private readonly options: FeedOptions) {
    const ticker = this.addChannel(DEFAULT_CHANNEL);
    const nextQuote = createQuoteSource();
    this.every(options.tickerIntervalMs, () => ticker.publish(nextQuote()));
  }

  health(): FeedHealth {
    return { backend: 'memory' };
  }

  get(id: string): Channel | undefined {
    return this.channels.get(id);
  }

  /** A named channel (a chat room) is its members' only: it is not read through the feed's endpoints. */
  async open(id: string): Promise<Channel | undefined> {
    return this.counts.has(id) ? undefined : this.channels.get(id);
  }

  async publish(channel: Channel, data: unknown, options: PublishOptions = {}): Promise<FeedEvent> {
    const event = channel.publish(data);
    if (options.cutReaders) channel.disconnectReaders();
    return event;
  }

  async createPrivate(request: ChannelRequest, onEnd: () => void = () => {}): Promise<Channel> {
    if (this.liveChannels >= this.options.maxPrivateChannels) throw new TooManyChannelsError();
    const channel = this.addChannel(`race-${randomBytes(6).toString('hex')}`);
    this.liveChannels++;
    const data = paddedPayload(request.payloadBytes);
    const total = Math.max(1, Math.floor(request.durationMs / request.intervalMs));
    const producer = this.every(request.intervalMs, () => {
      channel.publish(data);
      if (channel.latestSeq < total) return;
      this.stop(producer);
      this.liveChannels--;
      onEnd();
      this.after(this.options.maxAgeMs, () => this.channels.delete(channel.id));
    });
    return channel;
  }

  /**
   * Rooms have caps of their own (server/rooms/registry.ts), so their channels do not count
   * against `maxPrivateChannels`.
   */
  async createRoomChannel(): Promise<Channel> {
    return this.addChannel(`room-${randomBytes(8).toString('hex')}`);
  }

  /** Nothing to do: the room registry ends an idle room's channel in this process. */
  async touchRoomChannel(): Promise<void> {}

  removeRoomChannel(channel: Channel): void {
    if (this.channels.get(channel.id) !== channel) return;
    this.channels.delete(channel.id);
    channel.disconnectReaders();
  }

  async openNamed(id: string): Promise<Channel> {
    if (!this.counts.has(id)) this.counts.set(id, 0);
    return this.channels.get(id) ?? this.addChannel(id);
  }

  releaseNamed(channel: Channel): void {
    if (channel.readerCount > 0 || this.channels.get(channel.id) !== channel) return;
    this.channels.delete(channel.id);
    this.counts.delete(channel.id);
  }

  async count(channel: Channel, delta: number): Promise<number> {
    const count = Math.max(0, (this.counts.get(channel.id) ?? 0) + delta);
    this.counts.set(channel.id, count);
    return count;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private addChannel(id: string): Channel {
    const { maxEvents, maxAgeMs, maxBytes } = this.options;
    const channel = new Channel(id, { maxEvents, maxAgeMs, maxBytes });
    this.channels.set(id, channel);
    return channel;
  }

  private every(intervalMs: number, tick: () => void): NodeJS.Timeout {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private after(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private stop(timer: NodeJS.Timeout): void {
    clearInterval(timer);
    this.timers.delete(timer);
  }
}
