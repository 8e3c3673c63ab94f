// `npm start`: build the site if it is missing or older than its sources, then serve the site
// and the API from this same process (so SIGTERM/SIGINT reach the server directly).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';

const staticDir = process.env.STATIC_DIR ?? 'dist';
const SOURCES = ['src', 'content', 'public', 'astro.config.mjs', 'package-lock.json', 'scripts/postbuild.mjs', 'scripts/site-url.mjs'];

/** Newest modification time under a path (file or folder), in ms. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const builtAt = newest(join(staticDir, 'zh', 'index.html'));
const changedAt = Math.max(...SOURCES.map(newest));
if (builtAt === 0 || changedAt > builtAt) {
  console.log(builtAt === 0 ? 'No built site yet: building it…' : 'Sources changed since the last build: rebuilding…');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

register();
await import('../server/main.ts');
