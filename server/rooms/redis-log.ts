import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { Channel } from '../feed/channel.ts';
import { FeedUnavailableError, type Feed } from '../feed/feed.ts';
import { unlessUnavailable } from '../feed/redis/connect.ts';
import { fieldsOf, StreamFollower, type StreamEntries } from '../feed/redis/stream-follower.ts';
import type { OutcomeOf, Outcomes, RoomOperation } from './room-state.ts';
import { RoomEndedError, type Apply, type CreateOperation, type IdKind, type RoomLog, type RoomLogs } from './room-log.ts';

/**
 * At most about this many operations per room log (XADD MAXLEN ~): a bound on what a runaway
 * room can cost Redis. A class of 1,000 phones that each join and report 60 buzzes, cuts and
 * answers stays far below it. Past it the oldest operations go (the `create` and the first
 * joins): instances already serving the room keep folding, one that has not attached it yet
 * cannot any more and answers 404.
 */
const LOG_MAX_LENGTH = 100_000;
/** A request waits this long for its own instance to apply its operation, else 503. */
const APPLY_WAIT_MS = 5000;
/** Every request about a room asks to refresh its keys' TTL; one instance does it at most this often. */
const TOUCH_EVERY_MS = 1000;
/**
 * A room's channel outlives its log by this much (the longest sweep interval plus slack), so
 * the first instance to find the log gone can still publish the channel's `end`, which every
 * instance's replica of the channel reads, readers-only instances included.
 */
const CHANNEL_OUTLIVES_LOG_MS = 70_000;

/** KEYS: log, ids. ARGV: create op JSON, max length, ttl. The first entry, unless the code is taken (nil). */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'o', ARGV[1], 'n', '')
redis.call('HSET', KEYS[2], 'buzz', 0, 'cut', 0, 'stream', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return id`;

/** KEYS: log. ARGV: op JSON, nonce, max length. Never recreates an ended room's log (NOROOM). */
const APPEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOROOM') end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'o', ARGV[1], 'n', ARGV[2])`;

/** KEYS: log, ids. ARGV: kind. */
const NEXT_ID = `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOROOM') end
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    roomCreate(log: string, ids: string, op: string, maxLength: number, ttlMs: number): Result<string | null, Context>;
    roomAppend(log: string, op: string, nonce: string, maxLength: number): Result<string, Context>;
    roomNextId(log: string, ids: string, kind: IdKind): Result<number, Context>;
  }
}

/** A room's keys; the {hash tag} keeps them in one slot, as a script's keys must be on Redis Cluster. */
const roomKeys = (prefix: string, code: string) => ({ log: `${prefix}{room:${code}}:log`, ids: `${prefix}{room:${code}}:ids` });
type RoomKeys = ReturnType<typeof roomKeys>;

/** What every room log of this instance shares. */
interface Shared {
  redis: Redis;
  feed: Feed;
  idleMs: number;
  instanceId: string;
  command<T>(run: () => Promise<T>): Promise<T>;
}

/** Rooms on Redis (REDIS_URL): one stream per room, `${prefix}{room:CODE}:log`, folded by every instance serving it. */
export class RedisRoomLogs implements RoomLogs {
  private closed = false;
  private readonly shared: Shared;

  private constructor(redis: Redis, feed: Feed, private readonly prefix: string, idleMs: number) {
    const available = () => redis.status === 'ready' && !this.closed;
    this.shared = {
      redis,
      feed,
      idleMs,
      instanceId: randomBytes(6).toString('hex'),
      command: (run) => unlessUnavailable(available, run).catch((error: Error) => {
        throw String(error.message).includes('NOROOM') ? new RoomEndedError('the room ended') : error;
      }),
    };
  }

  /** On the instance's shared command connection (server.ts), which it does not close. */
  static on(redis: Redis, options: { prefix: string; idleMs: number }, feed: Feed): RedisRoomLogs {
    redis.defineCommand('roomCreate', { numberOfKeys: 2, lua: CREATE });
    redis.defineCommand('roomAppend', { numberOfKeys: 1, lua: APPEND });
    redis.defineCommand('roomNextId', { numberOfKeys: 2, lua: NEXT_ID });
    return new RedisRoomLogs(redis, feed, options.prefix, options.idleMs);
  }

  async create(code: string, op: CreateOperation, apply: Apply): Promise<RoomLog | undefined> {
    const keys = roomKeys(this.prefix, code);
    const { redis, idleMs } = this.shared;
    const created = await this.shared.command(() => redis.roomCreate(keys.log, keys.ids, JSON.stringify(op), LOG_MAX_LENGTH, idleMs));
    return created === null ? undefined : this.follow(keys, apply);
  }

  async attach(code: string, apply: Apply): Promise<RoomLog | undefined> {
    const keys = roomKeys(this.prefix, code);
    const exists = await this.shared.command(() => this.shared.redis.exists(keys.log));
    return exists ? this.follow(keys, apply) : undefined;
  }

  close(): void {
    this.closed = true;
  }

  /** Reads the log from its start (the fold is then up to date) and follows it. */
  private async follow(keys: RoomKeys, apply: Apply): Promise<RoomLog> {
    const log = new RedisRoomLog(this.shared, keys, apply);
    try {
      await this.shared.command(() => log.start());
    } catch (error) {
      log.close();
      throw error;
    }
    return log;
  }
}

type Settle = (result: { outcome: Outcomes[keyof Outcomes] } | { error: unknown }) => void;

/** A promise settled from outside, rejected with 503 after APPLY_WAIT_MS (`onTimeout` cleans up); `cancel`: never settles. */
function deferred<T>(onTimeout: () => void) {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  // It may time out before anyone awaits it (an append still waiting for XADD): not an unhandled rejection.
  promise.catch(() => {});
  const timer = setTimeout(() => {
    onTimeout();
    settle.reject(new FeedUnavailableError(`this instance did not read the room's log within ${APPLY_WAIT_MS} ms`));
  }, APPLY_WAIT_MS);
  timer.unref();
  return {
    promise,
    resolve: (value: T) => (clearTimeout(timer), settle.resolve(value)),
    reject: (error: unknown) => (clearTimeout(timer), settle.reject(error)),
    cancel: () => clearTimeout(timer),
  };
}

/** Stream entry ids ("<ms>-<n>") in order. */
function compareIds(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('-').map(Number);
  const [bm = 0, bn = 0] = b.split('-').map(Number);
  return am - bm || an - bn;
}

class RedisRoomLog implements RoomLog, StreamEntries {
  private readonly follower: StreamFollower;
  /** This instance's appends waiting for their entry, by nonce (an entry can be read before XADD answers). */
  private readonly waiting = new Map<string, Settle>();
  private barriers: { id: string; release: () => void }[] = [];
  private lastApplied = '0-0';
  private appended = 0;
  private touchedAt = 0;

  constructor(
    private readonly shared: Shared,
    private readonly keys: RoomKeys,
    private readonly apply: Apply,
  ) {
    this.follower = new StreamFollower(shared.redis, keys.log, this);
  }

  start(): Promise<void> {
    return this.follower.start(this.shared.redis);
  }

  entry(id: string, fields: string[]): void {
    const { o: json, n: nonce } = fieldsOf(fields);
    this.lastApplied = id;
    const settle = nonce ? this.waiting.get(nonce) : undefined;
    try {
      const outcome = this.apply(JSON.parse(json ?? 'null') as RoomOperation);
      settle?.({ outcome });
    } catch (error) {
      settle?.({ error });
      throw error; // the follower logs and skips it
    } finally {
      const due = this.barriers.filter((barrier) => compareIds(barrier.id, id) <= 0);
      this.barriers = this.barriers.filter((barrier) => compareIds(barrier.id, id) > 0);
      for (const barrier of due) barrier.release();
    }
  }

  /** Read on as before: reading the log again would apply its operations twice. A log Redis lost is a room that ended (the sweep sees it). */
  async resumeAfter(): Promise<string | null> {
    return null;
  }

  async append<O extends RoomOperation>(op: O): Promise<OutcomeOf<O>> {
    const nonce = `${this.shared.instanceId}-${++this.appended}`;
    const applied = deferred<Outcomes[keyof Outcomes]>(() => this.waiting.delete(nonce));
    this.waiting.set(nonce, (result) => {
      this.waiting.delete(nonce);
      if ('error' in result) applied.reject(result.error);
      else applied.resolve(result.outcome);
    });
    try {
      await this.shared.command(() => this.shared.redis.roomAppend(this.keys.log, JSON.stringify(op), nonce, LOG_MAX_LENGTH));
    } catch (error) {
      this.waiting.delete(nonce);
      applied.cancel();
      throw error;
    }
    return (await applied.promise) as OutcomeOf<O>;
  }

  nextId(kind: IdKind): Promise<number> {
    return this.shared.command(() => this.shared.redis.roomNextId(this.keys.log, this.keys.ids, kind));
  }

  async caughtUp(): Promise<void> {
    const [last] = await this.shared.command(() => this.shared.redis.xrevrange(this.keys.log, '+', '-', 'COUNT', 1));
    if (!last || compareIds(last[0], this.lastApplied) <= 0) return;
    const reached = deferred<void>(() => {});
    this.barriers.push({ id: last[0], release: () => reached.resolve() });
    await reached.promise;
  }

  touch(channel: Channel, force = false): void {
    const now = Date.now();
    const { redis, feed, idleMs } = this.shared;
    // With Redis away the request itself answers 503, and the next one touches again.
    if ((!force && now - this.touchedAt < TOUCH_EVERY_MS) || redis.status !== 'ready') return;
    this.touchedAt = now;
    redis.multi().pexpire(this.keys.log, idleMs).pexpire(this.keys.ids, idleMs).exec().catch(() => {});
    feed.touchRoomChannel(channel, idleMs + CHANNEL_OUTLIVES_LOG_MS).catch(() => {});
  }

  async isLive(): Promise<boolean> {
    try {
      return (await this.shared.redis.exists(this.keys.log)) === 1;
    } catch {
      return true; // Redis away is no reason to end a room
    }
  }

  close(): void {
    this.follower.stop();
    for (const settle of this.waiting.values()) settle({ error: new RoomEndedError('the room ended on this instance') });
    for (const barrier of this.barriers) barrier.release();
    this.barriers = [];
  }
}
