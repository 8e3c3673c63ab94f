// `npm run cluster`: the scaled-out deployment on this machine (README "Deploying", issue #12).
// Builds the site if dist/ has none, then starts redis-server (free port, temp folder, no
// persistence), CLUSTER_INSTANCES instances of server/main.ts (default 3) on free ports with
// REDIS_URL and TRUST_PROXY=true, and nginx running deploy/nginx.conf on PORT (default 8080).
// Ctrl+C or SIGTERM stops the instances, then nginx, then redis.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, accepts, startInstance, startNginx, startRedis } from './cluster-parts.mjs';

const count = Number(process.env.CLUSTER_INSTANCES ?? 3);
const port = Number(process.env.PORT || 8080);
// nginx faces the readers on HOST (0.0.0.0 for a classroom); the instances stay on 127.0.0.1.
const host = process.env.HOST || '127.0.0.1';
const staticDir = process.env.STATIC_DIR || 'dist';
if (!Number.isInteger(count) || count < 1 || count > 32) fail(`CLUSTER_INSTANCES must be 1..32, not ${process.env.CLUSTER_INSTANCES}`);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be 1..65535 here (nginx listens on it), not ${process.env.PORT}`);

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Prefixes each line a child prints with its name. */
const prefixed = (name) => {
  let partial = '';
  return (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) console.log(`[${name}] ${line}`);
  };
};

// As `npm start` does (scripts/start.mjs), but only when there is no build at all.
if (!existsSync(join(ROOT, staticDir, 'zh', 'index.html'))) {
  console.log(`No built site in ${staticDir}/ yet: building it…`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

if (await accepts(port, host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)) fail(`Port ${port} is in use: stop the other server or set PORT=…`);

/** @type {{ label: string, port: number, pid: number, stop: () => Promise<void>, exited: Promise<{ code: number | null, signal: string | null }>, alive: () => boolean }[]} */
const instances = [];
/** @type {Awaited<ReturnType<typeof startRedis>> | undefined} */
let redis;
/** @type {Awaited<ReturnType<typeof startNginx>> | undefined} */
let nginx;
let stopping = false;

/** Instances first (they close their sockets and streams gracefully), then nginx, then redis. */
async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  if (why) console.log(`${why}: stopping the cluster…`);
  setTimeout(() => {
    console.error('Still not stopped after 10 s: killing what is left.');
    process.exit(1); // the exit hook of cluster-parts.mjs kills every child left
  }, 10_000).unref();
  await Promise.allSettled(instances.map((instance) => instance.stop()));
  await nginx?.stop();
  await redis?.stop();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      console.log('Stopping now.');
      process.exit(1);
    }
    void shutdown(0, signal);
  });
}

// `npm run cluster` runs us under `sh -c`: a SIGTERM to npm (a service manager, `timeout`)
// ends npm and sh but never reaches us. The children are in their own process groups, so we
// notice our parent going instead, and stop them.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(0, `Parent process ${parentPid} exited`);
}, 500).unref();

/** Says which child died; the cluster goes on while nginx has an instance to send readers to. */
function watch(label, pid, exited, { essential }) {
  void exited.then(({ code, signal }) => {
    if (stopping) return;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (essential) {
      console.error(`${label} (pid ${pid}) ${how} unexpectedly.`);
      void shutdown(1, 'Without it the cluster cannot run');
    } else {
      const left = instances.filter((instance) => instance.label !== label && instance.alive());
      console.error(`${label} (pid ${pid}) ${how} unexpectedly; ${left.length} instance${left.length === 1 ? '' : 's'} left.`);
      if (left.length === 0) void shutdown(1, 'No instance left');
    }
  });
}

try {
  redis = await startRedis({ onOutput: prefixed('redis') });
  watch('redis-server', redis.service().pid, redis.service().exited, { essential: true });

  const started = await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      const label = `instance ${i + 1}`;
      const instance = await startInstance({
        name: label,
        env: { HOST: '127.0.0.1', TRUST_PROXY: 'true', REDIS_URL: redis.url, STATIC_DIR: staticDir },
        onOutput: prefixed(label),
      });
      instances.push({ label, port: instance.port, pid: instance.pid, stop: instance.stop, exited: instance.service.exited, alive: instance.service.alive });
      watch(label, instance.pid, instance.service.exited, { essential: false });
      return instance;
    }),
  );
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  instances.sort((x, y) => Number(x.label.split(' ')[1]) - Number(y.label.split(' ')[1]));

  nginx = await startNginx({ upstreamPorts: instances.map((instance) => instance.port), port, host, onOutput: prefixed('nginx') });
  watch('nginx', nginx.service.pid, nginx.service.exited, { essential: true });

  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const row = (name, pid, where) => `  ${name.padEnd(13)} pid ${String(pid).padEnd(8)} ${where}`;
  console.log(
    [
      '',
      `Realtime explained, ${count} instance${count === 1 ? '' : 's'} behind nginx: http://${shown}:${port}/`,
      row('nginx', nginx.service.pid, `${host}:${port}  deploy/nginx.conf, rendered in ${nginx.workDir}/nginx.conf`),
      ...instances.map((instance) => row(instance.label, instance.pid, `127.0.0.1:${instance.port}`)),
      row('redis-server', redis.service().pid, `127.0.0.1:${redis.port}  ${redis.url}, nothing saved`),
      'Ctrl+C stops them all.',
      '',
    ].join('\n'),
  );
} catch (error) {
  console.error(`Could not start the cluster: ${error instanceof Error ? error.message : error}`);
  await shutdown(1);
}
