// Real services for the cluster tests: redis-server, instances of server/main.ts (the production
// entry point, configured by environment only) and nginx running deploy/nginx.conf. The child
// process code is scripts/cluster-parts.mjs, which `npm run cluster` runs too; every child is
// killed and every temp folder removed when the test process exits, whatever happened.
import * as parts from '../../scripts/cluster-parts.mjs';

export interface RedisService {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Its working folder, kept across restart() (the append-only file lives there). */
  dir: string;
  /** SIGTERM; resolves when it has exited (its folder is removed). */
  stop(): Promise<void>;
  /** SIGKILL; resolves when it has exited (its folder stays, for restart()). */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (stopping it first if it runs); resolves when it answers PING. */
  restart(): Promise<void>;
}

export interface NginxService {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Fast shutdown; resolves when the master has exited. */
  stop(): Promise<void>;
}

export interface InstanceService {
  /** http://127.0.0.1:<port>, straight to the instance (not through nginx). */
  url: string;
  port: number;
  pid: number;
  /** Everything it printed so far (the last 64 KiB). */
  output(): string;
  /** SIGTERM: graceful shutdown; resolves when it has exited. */
  stop(): Promise<void>;
  /** SIGKILL; resolves when it has exited. */
  kill(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export const freePort: () => Promise<number> = parts.freePort;

/** redis-server on 127.0.0.1, a free port, a temp folder, `--save ""`, `--appendonly no` unless asked. */
export async function startRedis({ appendonly = false }: { appendonly?: boolean } = {}): Promise<RedisService> {
  const redis = await parts.startRedis({ appendonly });
  return { url: redis.url, port: redis.port, dir: redis.dir, stop: redis.stop, kill: redis.kill, restart: redis.restart };
}

/** nginx with deploy/nginx.conf in front of `upstreamPorts`, listening on a free port of 127.0.0.1. */
export async function startNginx({ upstreamPorts }: { upstreamPorts: number[] }): Promise<NginxService> {
  const nginx = await parts.startNginx({ upstreamPorts });
  return { url: nginx.url, port: nginx.port, stop: nginx.stop };
}

/**
 * `node --import tsx server/main.ts` on a free port with HOST=127.0.0.1 and TRUST_PROXY=true;
 * `env` adds or overrides settings (TICKER_INTERVAL_MS, REDIS_URL…). Without REDIS_URL in `env`
 * it runs in memory even if the shell running the tests set one. Resolves when /api/health is 200.
 */
export async function startInstance({ env = {} }: { env?: Record<string, string> } = {}): Promise<InstanceService> {
  const instance = await parts.startInstance({ env: { REDIS_URL: '', ...env } });
  return {
    url: instance.url,
    port: instance.port,
    pid: instance.pid,
    output: instance.service.output,
    stop: instance.stop,
    kill: instance.kill,
  };
}
