// `npm run test:node-versions`: the integration and hostile test projects under Node 22 and 24
// (`npm test` already runs everything under the machine's own Node, 20). Each Node comes from
// the npm registry's `node` package, installed into .cache/node-<major>/ (git-ignored) and
// reused while it is still that major. vitest's workers are forked with process.execPath, so
// the tests themselves run on that Node too; its bin folder also goes first on PATH for any
// test that spawns `node` by name. Exits 1 if any run fails.
// NODE_MAJORS=24 limits the majors; extra arguments go to vitest (e.g. a file filter).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const majors = (process.env.NODE_MAJORS ?? '22,24').split(',').map((m) => m.trim()).filter(Boolean);
// TEST_PROJECTS=integration narrows the projects (while the hostile suite is being worked on).
const projects = (process.env.TEST_PROJECTS ?? 'integration,hostile').split(',').map((p) => p.trim()).filter(Boolean);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The Node binary of `major` under .cache/, installed from the registry unless already there. */
function nodeOf(major) {
  const prefix = join(root, '.cache', `node-${major}`);
  const bin = join(prefix, 'node_modules', '.bin', 'node');
  const versionOf = () => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (existsSync(bin) && versionOf().startsWith(`v${major}.`)) return { bin, version: versionOf() };
  console.log(`Installing Node ${major} from the npm registry into ${prefix} …`);
  rmSync(prefix, { recursive: true, force: true });
  const install = spawnSync(npm, ['install', '--prefix', prefix, `node@${major}`, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: 'inherit',
  });
  const version = install.status === 0 && existsSync(bin) ? versionOf() : '';
  // The package's preinstall script fetches the platform build (node-<os>-<arch>, also from the
  // registry); an npm that skips install scripts leaves no working binary behind.
  if (!version.startsWith(`v${major}.`)) {
    throw new Error(`could not install Node ${major} (npm exited ${install.status}, binary says "${version}"); are install scripts allowed?`);
  }
  return { bin, version };
}

// Install first (npm, one at a time), then run every major at once: the hostile project runs
// one file at a time, so a run alone leaves a core idle; side by side they take about the time
// of one. Each run's output is printed whole when it ends, so the two do not interleave.
const installed = [];
const results = [];
for (const major of majors) {
  try {
    installed.push(nodeOf(major));
  } catch (error) {
    console.error(`\n${error.message}`);
    results.push({ node: `v${major}`, result: 'not installed', seconds: 0 });
  }
}

const args = [vitest, 'run', ...projects.flatMap((name) => ['--project', name]), ...process.argv.slice(2)];
console.log(`\n== ${installed.map((node) => `Node ${node.version}`).join(' and ')}, side by side: vitest run ${projects.map((name) => `--project ${name}`).join(' ')}`);
const runs = installed.map(
  (node) =>
    new Promise((resolve) => {
      const started = performance.now();
      const chunks = [];
      const child = spawn(node.bin, args, {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH ?? ''}` },
      });
      child.stdout.on('data', (chunk) => chunks.push(chunk));
      child.stderr.on('data', (chunk) => chunks.push(chunk));
      child.on('close', (code, signal) => {
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        console.log(`\n== Node ${node.version} (${seconds} s):\n`);
        process.stdout.write(Buffer.concat(chunks));
        resolve({ node: node.version, result: code === 0 ? 'passed' : `failed (exit ${code ?? signal})`, seconds });
      });
    }),
);
results.push(...(await Promise.all(runs)));

console.log('');
console.table(results);
const failed = results.filter((r) => r.result !== 'passed');
if (failed.length) console.error(`test:node-versions: failed on ${failed.map((r) => r.node).join(', ')}`);
else console.log(`test:node-versions: ok on ${results.map((r) => r.node).join(', ')}`);
process.exit(failed.length ? 1 : 0);
