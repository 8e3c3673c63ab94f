import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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

  /** A release function, or null when the address already holds `max`. */
  acquire(address: string): (() => void) | null {
    const count = this.held.get(address) ?? 0;
    if (count >= this.max) return null;
    this.held.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(address) ?? 1) - 1;
      if (left <= 0) this.held.delete(address);
      else this.held.set(address, left);
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

const rate = (perSecond: number, keyPrefix: string) =>
  new RateLimiterMemory({ keyPrefix, points: perSecond * RATE_WINDOW_S, duration: RATE_WINDOW_S });

const retryAfter = (result: unknown) =>
  String(Math.max(1, Math.ceil((result instanceof RateLimiterRes ? result.msBeforeNext : 1000) / 1000)));

/**
 * Per-client-address fair use (README "Limits and fair use"): every limit is a setting whose
 * default a classroom of 60 phones behind one NAT address never reaches, and every refusal is
 * a 429 with Retry-After or a documented close code. Rates use rate-limiter-flexible, whose
 * Redis store can take over when several instances share the limits.
 */
export class FairUse {
  private readonly requests: RateLimiterMemory;
  private readonly messages: RateLimiterMemory;
  private readonly pings: RateLimiterMemory;
  readonly sockets: HeldCounter;
  readonly streams: HeldCounter;
  readonly channels: HeldCounter;

  constructor(config: Config) {
    this.requests = rate(config.requestsPerSecondPerAddress, 'requests');
    this.messages = rate(config.wsMessagesPerSecondPerAddress, 'messages');
    this.pings = rate(config.wsPingsPerSecondPerAddress, 'pings');
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

  /** One chat/echo/inspect message: false means close the socket (1008). */
  message(address: string): Promise<boolean> {
    return this.messages.consume(address).then(() => true, () => false);
  }

  /** One ping from a client: false means close the socket (1008) instead of answering. */
  ping(address: string): Promise<boolean> {
    return this.pings.consume(address).then(() => true, () => false);
  }

  /** A WebSocket, SSE stream or held long poll: its release, or the 429 to answer. */
  holdStream(address: string): (() => void) | Refusal {
    return hold(this.streams, address, 'too_many_connections', 'too many open streams and sockets from your address; close some first');
  }

  /** A live private channel: its release, or the 429 to answer. */
  holdChannel(address: string): (() => void) | Refusal {
    return hold(this.channels, address, 'too_many_channels', 'your address has too many live race channels; try again when one ends');
  }
}

function hold(counter: HeldCounter, address: string, code: Refusal['code'], message: string): (() => void) | Refusal {
  return counter.acquire(address) ?? { code, message, headers: { 'Retry-After': String(RETRY_CONCURRENCY_S) } };
}
