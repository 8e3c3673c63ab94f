// The feed's two implementations as test fixtures: the delivery matrix runs against each.
// `memory` is one process; `redis` is two instances sharing one real redis-server (started once
// per test file on a free port, no persistence), each with its own key prefix so fixtures never
// see each other's channels. A reader given `servers[i]` reads through that instance.
import type { ConfigInput } from '../../server/config.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from './server.ts';
import { startRedis, type RedisService } from './services.ts';

export interface TestFeed {
  servers: RunningServer[];
  close(): Promise<void>;
}

export interface FeedBackend {
  name: 'memory' | 'redis';
  start(overrides?: ConfigInput): Promise<TestFeed>;
}

let redis: Promise<RedisService> | null = null;
let fixtures = 0;

/** The test file's redis-server (the services helper kills it when the test process exits). */
export const testRedis = (): Promise<RedisService> => (redis ??= startRedis());

/** Settings for an instance of a fresh cluster on the test file's Redis: fast failover in tests. */
export async function clusterSettings(overrides: ConfigInput = {}): Promise<ConfigInput> {
  const { url } = await testRedis();
  return { redisUrl: url, redisPrefix: `t${process.pid}-${++fixtures}:`, leaseTtlMs: 600, statsFlushMs: 50, ...overrides };
}

export const FEED_BACKENDS: FeedBackend[] = [
  {
    name: 'memory',
    async start(overrides = {}) {
      const server = await startTestServer(overrides);
      return { servers: [server], close: () => server.close() };
    },
  },
  {
    name: 'redis',
    async start(overrides = {}) {
      const settings = await clusterSettings(overrides);
      const servers = [await startTestServer(settings), await startTestServer(settings)];
      return { servers, close: async () => void (await Promise.all(servers.map((server) => server.close()))) };
    },
  },
];
