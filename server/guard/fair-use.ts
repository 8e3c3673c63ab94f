import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import type { Refusal } from './errors.ts';

/** Rates are averaged over this window, so a page load's burst of assets is not a flood. */
const RATE_WINDOW_S = 10;
/** What a concurrency refusal suggests: holders are released as connections end. */
const RETRY_CONCURRENCY_S = 5;

/** Things one address may hold at once (sockets, streams, channels), released exactly once. */
export class HeldCounter {
  private readonly held = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** One more for `address`: false when it already holds `max`. Each true is given back once with `give`. */
  take(address: string): boolean {
    const count = this.held.get(address) ?? 0;
    if (count >= this.max) return false;
    this.held.set(address, count + 1);
    return true;
  }

  give(address: string): void {
    const left = (this.held.get(address) ?? 1) - 1;
    if (left <= 0) this.held.delete(address);
    else this.held.set(address, left);
  }

  /**
   * `take` as a release function that works once, or null when the address already holds `max`.
   * For holders that are few (rooms, channels); connections, which are many, `take` and `give`
   * and spare the closure.
   */
  acquire(address: string): (() => void) | null {
    if (!this.take(address)) return null;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(address);
    };
  }

  count(address: string): number {
    return this.held.get(address) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.held.values()) sum += count;
    return sum;
  }
}

/**
 * A rate averaged over RATE_WINDOW_S. With Redis (a cluster), the count is shared by every
 * instance; while Redis is unreachable each instance counts on its own (the insurance limiter)
 * rather than refusing everyone or letting everyone through.
 */
function rate(perSecond: number, keyPrefix: string, redis: Redis | null, redisPrefix: string): RateLimiterAbstract {
  const options = { keyPrefix, points: perSecond * RATE_WINDOW_S, duration: RATE_WINDOW_S };
  const memory = new RateLimiterMemory(options);
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, keyPrefix: `${redisPrefix}rate:${keyPrefix}`, storeClient: redis, insuranceLimiter: memory });
}

const retryAfter = (result: unknown) =>
  String(Math.max(1, Math.ceil((result instanceof RateLimiterRes ? result.msBeforeNext : 1000) / 1000)));

/**
 * Per-client-address fair use (README "Limits and fair use"): every limit is a setting whose
 * default a classroom of 60 phones behind one NAT address never reaches, and every refusal is
 * a 429 with Retry-After or a documented close code. Rates use rate-limiter-flexible: in
 * memory, or in Redis when several instances share them (`redis`). What one address holds at
 * once (sockets, streams, channels) is counted per instance: it guards that process's memory
 * and file descriptors.
 */
export class FairUse {
  private readonly requests: RateLimiterAbstract;
  private readonly messages: RateLimiterAbstract;
  private readonly pings: RateLimiterAbstract;
  private readonly roomReports: RateLimiterAbstract;
  readonly sockets: HeldCounter;
  readonly streams: HeldCounter;
  readonly channels: HeldCounter;

  constructor(config: Config, redis: Redis | null = null) {
    this.requests = rate(config.requestsPerSecondPerAddress, 'requests', redis, config.redisPrefix);
    this.messages = rate(config.wsMessagesPerSecondPerAddress, 'messages', redis, config.redisPrefix);
    this.pings = rate(config.wsPingsPerSecondPerAddress, 'pings', redis, config.redisPrefix);
    this.roomReports = rate(config.roomReportsPerSecondPerClient, 'room-reports', redis, config.redisPrefix);
    this.sockets = new HeldCounter(config.socketsPerAddress);
    this.streams = new HeldCounter(config.streamsPerAddress);
    this.channels = new HeldCounter(config.privateChannelsPerAddress);
  }

  /** One HTTP request or upgrade: null when allowed, else the 429 to answer. */
  async request(address: string): Promise<Refusal | null> {
    try {
      await this.requests.consume(address);
      return null;
    } catch (result) {
      return { code: 'too_many_requests', message: 'too many requests from your address; slow down', headers: { 'Retry-After': retryAfter(result) } };
    }
  }

  /** One report of a room's phone (keyed by room and client id, not address: a class shares one NAT address). */
  async roomReport(room: string, client: string): Promise<Refusal | null> {
    try {
      await this.roomReports.consume(`${room}:${client}`);
      return null;
    } catch (result) {
      return { code: 'too_many_requests', message: 'too many reports from this client; slow down', headers: { 'Retry-After': retryAfter(result) } };
    }
  }

  /** One chat/echo/inspect message: false means close the socket (1008). */
  message(address: string): Promise<boolean> {
    return this.messages.consume(address).then(() => true, () => false);
  }

  /** One ping from a client: false means close the socket (1008) instead of answering. */
  ping(address: string): Promise<boolean> {
    return this.pings.consume(address).then(() => true, () => false);
  }

  /** A WebSocket, HTTP stream or held long poll: null when held (give it back once with `releaseStream`), or the 429 to answer. */
  holdStream(address: string): Refusal | null {
    if (this.streams.take(address)) return null;
    return heldTooMany('too_many_connections', 'too many open streams and sockets from your address; close some first');
  }

  releaseStream(address: string): void {
    this.streams.give(address);
  }

  /** A live private channel: its release, or the 429 to answer. */
  holdChannel(address: string): (() => void) | Refusal {
    return this.channels.acquire(address) ?? heldTooMany('too_many_channels', 'your address has too many live race channels; try again when one ends');
  }
}

/** The 429 for an address that already holds as many as it may: try again once one ends. */
function heldTooMany(code: Refusal['code'], message: string): Refusal {
  return { code, message, headers: { 'Retry-After': String(RETRY_CONCURRENCY_S) } };
}
