// The feed's Lua scripts: each runs atomically in Redis, so whichever instance calls them, a
// channel's `seq` is handed out once and in order (README "Scaling out").
import type { Result } from 'ioredis';

/**
 * Creates a channel's meta hash unless it exists: 1 when created, 0 when it was there.
 * KEYS: meta. ARGV: feedId, kind, total, intervalMs, payloadBytes, expiresAt (epoch ms, 0: never).
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'feedId', ARGV[1], 'seq', 0, 'kind', ARGV[2], 'total', ARGV[3],
  'intervalMs', ARGV[4], 'payloadBytes', ARGV[5], 'expiresAt', ARGV[6])
if tonumber(ARGV[6]) > 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[6]) end
return 1`;

/**
 * Numbers and appends one event: {seq, json}. The entry's id is "<seq>-0", its fields the
 * channel's feed id (f), the event's JSON exactly as readers get it (e) and a marker (x: cut,
 * end). Errors: NOCHANNEL (no meta: expired, or Redis lost its data), ENDED (a race's last
 * event was published already, so a second producer during a failover cannot add more).
 * KEYS: meta, events. ARGV: data JSON, at, channel id, max length, marker ('' for none).
 */
const PUBLISH = `
local meta = redis.call('HMGET', KEYS[1], 'feedId', 'seq', 'total', 'expiresAt')
if not meta[1] then return redis.error_reply('NOCHANNEL') end
local seq = tonumber(meta[2]) + 1
local total = tonumber(meta[3])
if total > 0 and seq > total then return redis.error_reply('ENDED') end
redis.call('HSET', KEYS[1], 'seq', seq)
local json = '{"seq":' .. seq .. ',"at":' .. ARGV[2] .. ',"channel":"' .. ARGV[3] .. '","data":' .. ARGV[1] .. '}'
local fields = {'f', meta[1], 'e', json}
if ARGV[5] ~= '' then fields[5] = 'x'; fields[6] = ARGV[5] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], seq .. '-0', unpack(fields))
if tonumber(meta[4]) > 0 then redis.call('PEXPIREAT', KEYS[2], meta[4]) end
return {seq, json}`;

/**
 * Starts a new run of a channel whose Redis lost recent writes (its seq went back): a new
 * feed id, unless another instance already gave it one. Returns the feed id now in force.
 * KEYS: meta. ARGV: the feed id this instance knows, a new one.
 */
const NEW_RUN = `
if redis.call('HGET', KEYS[1], 'feedId') == ARGV[1] then redis.call('HSET', KEYS[1], 'feedId', ARGV[2]) end
return redis.call('HGET', KEYS[1], 'feedId')`;

/** Renews a lease this owner holds: 1, or 0 when someone else holds it. KEYS: lease. ARGV: owner, ttl. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Gives a lease back if this owner holds it. KEYS: lease. ARGV: owner. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    feedCreate(meta: string, ...args: (string | number)[]): Result<number, Context>;
    feedPublish(meta: string, events: string, data: string, at: number, channel: string, maxLength: number, marker: string): Result<[number, string], Context>;
    feedNewRun(meta: string, known: string, fresh: string): Result<string | null, Context>;
    leaseRenew(lease: string, owner: string, ttlMs: number): Result<number, Context>;
    leaseRelease(lease: string, owner: string): Result<number, Context>;
  }
}

/**
 * The scripts as ioredis's `scripts` option: every connection made with it, and each
 * `duplicate()` of one, has them as commands (EVALSHA, and the script again if Redis forgot it).
 */
export const FEED_SCRIPTS = {
  feedCreate: { numberOfKeys: 1, lua: CREATE },
  feedPublish: { numberOfKeys: 2, lua: PUBLISH },
  feedNewRun: { numberOfKeys: 1, lua: NEW_RUN },
  leaseRenew: { numberOfKeys: 1, lua: RENEW },
  leaseRelease: { numberOfKeys: 1, lua: RELEASE },
};

/** A channel's keys; the {hash tag} keeps them in one slot, as a script's keys must be on Redis Cluster. */
export interface ChannelKeys {
  meta: string;
  events: string;
  lease: string;
}

export const channelKeys = (prefix: string, id: string): ChannelKeys => ({
  meta: `${prefix}{${id}}:meta`,
  events: `${prefix}{${id}}:events`,
  lease: `${prefix}{${id}}:lease`,
});
