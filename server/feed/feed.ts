import { randomBytes } from 'node:crypto';
import { DEFAULT_CHANNEL, type ChannelRequest } from '../../src/protocol/feed.ts';
import { Channel, type ChannelLimits } from './channel.ts';
import { createQuoteSource, paddedPayload } from './producers.ts';

export interface FeedOptions extends ChannelLimits {
  tickerIntervalMs: number;
  maxPrivateChannels: number;
}

export class TooManyChannelsError extends Error {}

/** All channels: the always-on ticker, private self-ending race channels, classroom rooms' channels. */
export class Feed {
  private readonly channels = new Map<string, Channel>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private liveChannels = 0;

  constructor(private readonly options: FeedOptions) {
    const ticker = this.addChannel(DEFAULT_CHANNEL);
    const nextQuote = createQuoteSource();
    this.every(options.tickerIntervalMs, () => ticker.publish(nextQuote()));
  }

  get(id: string): Channel | undefined {
    return this.channels.get(id);
  }

  /**
   * A channel of its own for one race, so concurrent readers don't disturb each other. Its
   * producer publishes exactly floor(durationMs / intervalMs) events (at least one), one every
   * `intervalMs`, then stops; the channel stays readable for one buffer age after that.
   */
  createPrivate(request: ChannelRequest, onEnd: () => void = () => {}): Channel {
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
   * A channel for one classroom room (issue #10): no producer and no duration; the room
   * publishes into it and calls `removeRoomChannel` when it ends. Rooms have caps of their own
   * (server/rooms/registry.ts), so these do not count against `maxPrivateChannels`.
   */
  createRoomChannel(): Channel {
    return this.addChannel(`room-${randomBytes(8).toString('hex')}`);
  }

  /** Ends a room's channel: its readers are cut and it no longer resolves (404 to readers). */
  removeRoomChannel(channel: Channel): void {
    if (this.channels.get(channel.id) !== channel) return;
    this.channels.delete(channel.id);
    channel.disconnectReaders();
  }

  /** Stops every producer (shutdown, tests). */
  close(): void {
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
