import { z } from 'zod';

// Every setting of the server, its default and its bounds, validated once at start-up.
// Each can be overridden by the environment variable named next to it (README "Settings").
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');
const originList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean));
const KiB = 1024;
const MiB = 1024 * KiB;

export const configSchema = z
  .object({
    /** PORT: TCP port; 0 picks a free one (tests). */
    port: int(0, 65535).default(8080),
    /** HOST: interface to listen on. 127.0.0.1 keeps it private; 0.0.0.0 for a classroom LAN. */
    host: z.string().min(1).default('127.0.0.1'),
    /** STATIC_DIR: the built site (astro build output) served at /. */
    staticDir: z.string().default('dist'),
    /** TICKER_INTERVAL_MS: how often the always-on `ticker` channel publishes. */
    tickerIntervalMs: int(20, 3_600_000).default(1000),
    /** BUFFER_MAX_EVENTS: ring buffer length per channel. */
    bufferMaxEvents: int(1, 100_000).default(1000),
    /** BUFFER_MAX_AGE_MS: events older than this leave the buffer. */
    bufferMaxAgeMs: int(1000, 3_600_000).default(120_000),
    /** BUFFER_MAX_BYTES: JSON bytes a channel's buffer may hold (the oldest events leave first). */
    bufferMaxBytes: int(64 * KiB, 1024 * MiB).default(8 * MiB),
    /** REPLY_MAX_BYTES: event bytes in one poll reply; a longer backlog comes in pages (`more`). */
    replyMaxBytes: int(1 * KiB, 64 * MiB).default(256 * KiB),
    /** SEND_BUFFER_MAX_BYTES: unsent bytes a WebSocket or SSE reader may have before we stop writing. */
    sendBufferMaxBytes: int(16 * KiB, 256 * MiB).default(1 * MiB),
    /** SLOW_CONSUMER_MS: a reader stuck at that cap this long is closed (1013) and resumes. */
    slowConsumerMs: int(100, 600_000).default(10_000),
    /** HEADERS_TIMEOUT_MS: a request's head must arrive within this (then 408). */
    headersTimeoutMs: int(100, 120_000).default(10_000),
    /** REQUEST_TIMEOUT_MS: a request's head and body must arrive within this (then 408). */
    requestTimeoutMs: int(100, 600_000).default(30_000),
    /** KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: int(100, 600_000).default(5_000),
    /** WS_FRAME_TIMEOUT_MS: a WebSocket frame begun must be complete within this (then the socket is cut). */
    wsFrameTimeoutMs: int(100, 600_000).default(10_000),
    /** LONG_POLL_DEFAULT_TIMEOUT_MS: hold time when the client passes no `timeout`. */
    longPollDefaultTimeoutMs: int(1, 55_000).default(25_000),
    /** LONG_POLL_MAX_TIMEOUT_MS: the largest `timeout` a client may ask for. */
    longPollMaxTimeoutMs: int(1, 55_000).default(55_000),
    /** SSE_HEARTBEAT_MS: on idle streams (an SSE comment, an empty fetch-stream line), so proxies keep them open. */
    sseHeartbeatMs: int(100, 120_000).default(15_000),
    /** WS_PING_INTERVAL_MS: server pings; a peer that has not ponged by the next ping is dropped. */
    wsPingIntervalMs: int(100, 120_000).default(25_000),
    /** WS_MAX_MESSAGE_BYTES: larger messages close the socket with 1009. */
    wsMaxMessageBytes: int(125, 16 * 1024 * 1024).default(64 * 1024),
    /** ALLOWED_ORIGINS: comma-separated extra origins allowed to open WebSockets. The server's own
     * origin and any localhost/127.0.0.1 origin are always allowed. */
    allowedOrigins: originList.default([]),
    /** PUBLIC_ORIGIN: the URL readers use when deployed (https://example.org): its host is allowed. */
    publicOrigin: z.string().url().or(z.literal('')).default(''),
    /** TRUST_PROXY: take the client's address from the last X-Forwarded-For entry (behind nginx). */
    trustProxy: flag.default(false),
    /** MAX_PRIVATE_CHANNELS: live private channels (POST /api/channels) before 429. */
    maxPrivateChannels: int(1, 10_000).default(200),
    /** PRIVATE_CHANNELS_PER_ADDRESS: live private channels one client address may hold. */
    privateChannelsPerAddress: int(1, 10_000).default(100),
    /** ROOM_IDLE_MS: a classroom room with no request about it this long ends (its channel, timers and members go). */
    roomIdleMs: int(1000, 86_400_000).default(1_800_000),
    /** MAX_ROOMS: live classroom rooms before 429. */
    maxRooms: int(1, 10_000).default(100),
    /** ROOMS_PER_ADDRESS: live rooms one client address may have opened. */
    roomsPerAddress: int(1, 10_000).default(10),
    /** ROOM_MAX_MEMBERS: phones one room may hold (a phone that joins again is still one). */
    roomMaxMembers: int(1, 100_000).default(1000),
    /** ROOM_REPORTS_PER_SECOND_PER_CLIENT: buzz delays and answers one client id may report, averaged over 10 s. */
    roomReportsPerSecondPerClient: int(1, 10_000).default(5),
    /** ROOM_POLL_INTERVAL_MS: a new room's short-poll interval (the teacher changes it live). */
    roomPollIntervalMs: int(100, 10_000).default(1000),
    /** SOCKETS_PER_ADDRESS: open TCP connections from one address (not applied behind TRUST_PROXY). */
    socketsPerAddress: int(1, 1_000_000).default(800),
    /** STREAMS_PER_ADDRESS: WebSockets, SSE streams and held long polls of one client address. */
    streamsPerAddress: int(1, 1_000_000).default(400),
    /** REQUESTS_PER_SECOND_PER_ADDRESS: HTTP requests and upgrades, averaged over 10 s. */
    requestsPerSecondPerAddress: int(1, 1_000_000).default(1000),
    /** WS_MESSAGES_PER_SECOND_PER_ADDRESS: messages sent to chat, echo and inspect, averaged over 10 s. */
    wsMessagesPerSecondPerAddress: int(1, 1_000_000).default(200),
    /** WS_PINGS_PER_SECOND_PER_ADDRESS: pings a client address may send, averaged over 10 s. */
    wsPingsPerSecondPerAddress: int(1, 1_000_000).default(20),
    /** INSPECT_TOTAL_MAX_BYTES: frame bytes all inspected connections may hold together. */
    inspectTotalMaxBytes: int(64 * KiB, 1024 * MiB).default(32 * MiB),
    /** MAX_LEDGER_CLIENTS: client ids the ledger remembers; the least recently seen is forgotten. */
    maxLedgerClients: int(10, 1_000_000).default(10_000),
    /** REDIS_URL: redis://host:port; set on every instance of a cluster to share one feed, rooms, limits and ledger. Empty: one process, all in memory. */
    redisUrl: z.string().regex(/^(rediss?:\/\/.+)?$/, 'must be redis://host:port or rediss://…').default(''),
    /** REDIS_PREFIX: prefix of every Redis key, so several deployments can share one Redis. */
    redisPrefix: z.string().regex(/^[A-Za-z0-9:_-]{0,32}$/).default('rt:'),
    /** LEASE_TTL_MS: a producer's lease in Redis; another instance takes over within about 4/3 of it after its holder dies. */
    leaseTtlMs: int(300, 60_000).default(3000),
    /** STATS_FLUSH_MS: how often an instance adds its ledger figures to Redis's totals. */
    statsFlushMs: int(20, 10_000).default(250),
    /** SHUTDOWN_GRACE_MS: how long SIGTERM waits for connections to close before forcing them. */
    shutdownGraceMs: int(100, 5000).default(3000),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

const ENV_NAMES: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  staticDir: 'STATIC_DIR',
  tickerIntervalMs: 'TICKER_INTERVAL_MS',
  bufferMaxEvents: 'BUFFER_MAX_EVENTS',
  bufferMaxAgeMs: 'BUFFER_MAX_AGE_MS',
  bufferMaxBytes: 'BUFFER_MAX_BYTES',
  replyMaxBytes: 'REPLY_MAX_BYTES',
  sendBufferMaxBytes: 'SEND_BUFFER_MAX_BYTES',
  slowConsumerMs: 'SLOW_CONSUMER_MS',
  headersTimeoutMs: 'HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS',
  wsFrameTimeoutMs: 'WS_FRAME_TIMEOUT_MS',
  longPollDefaultTimeoutMs: 'LONG_POLL_DEFAULT_TIMEOUT_MS',
  longPollMaxTimeoutMs: 'LONG_POLL_MAX_TIMEOUT_MS',
  sseHeartbeatMs: 'SSE_HEARTBEAT_MS',
  wsPingIntervalMs: 'WS_PING_INTERVAL_MS',
  wsMaxMessageBytes: 'WS_MAX_MESSAGE_BYTES',
  allowedOrigins: 'ALLOWED_ORIGINS',
  publicOrigin: 'PUBLIC_ORIGIN',
  trustProxy: 'TRUST_PROXY',
  maxPrivateChannels: 'MAX_PRIVATE_CHANNELS',
  privateChannelsPerAddress: 'PRIVATE_CHANNELS_PER_ADDRESS',
  roomIdleMs: 'ROOM_IDLE_MS',
  maxRooms: 'MAX_ROOMS',
  roomsPerAddress: 'ROOMS_PER_ADDRESS',
  roomMaxMembers: 'ROOM_MAX_MEMBERS',
  roomReportsPerSecondPerClient: 'ROOM_REPORTS_PER_SECOND_PER_CLIENT',
  roomPollIntervalMs: 'ROOM_POLL_INTERVAL_MS',
  socketsPerAddress: 'SOCKETS_PER_ADDRESS',
  streamsPerAddress: 'STREAMS_PER_ADDRESS',
  requestsPerSecondPerAddress: 'REQUESTS_PER_SECOND_PER_ADDRESS',
  wsMessagesPerSecondPerAddress: 'WS_MESSAGES_PER_SECOND_PER_ADDRESS',
  wsPingsPerSecondPerAddress: 'WS_PINGS_PER_SECOND_PER_ADDRESS',
  inspectTotalMaxBytes: 'INSPECT_TOTAL_MAX_BYTES',
  maxLedgerClients: 'MAX_LEDGER_CLIENTS',
  shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'REDIS_PREFIX',
  leaseTtlMs: 'LEASE_TTL_MS',
  statsFlushMs: 'STATS_FLUSH_MS',
};

/** Validates settings; environment variables override `overrides`, which override defaults. */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = {}): Config {
  const fromEnv: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const parsed = configSchema.safeParse({ ...overrides, ...fromEnv });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path[0] as keyof Config | undefined;
      const where = key ? `${String(key)}${ENV_NAMES[key] ? ` (${ENV_NAMES[key]})` : ''}` : 'config';
      return `${where}: ${issue.message}`;
    });
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  if (config.longPollDefaultTimeoutMs > config.longPollMaxTimeoutMs) {
    throw new Error('Invalid configuration: longPollDefaultTimeoutMs must not exceed longPollMaxTimeoutMs');
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new Error('Invalid configuration: headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return config;
}
