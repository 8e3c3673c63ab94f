// `npm run bench`: every benchmark in bench/ in turn, each in its own process. Targets are
// ratios against a baseline measured in the same run (never absolute times), so a slow or busy
// machine moves both sides. Exits non-zero if any benchmark misses its target.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

// Arguments: names (or parts of names) of the benchmarks to run, and flags passed to each
// (`npm run bench -- cluster --quick`).
const args = process.argv.slice(2);
const only = args.filter((arg) => !arg.startsWith('--'));
const flags = args.filter((arg) => arg.startsWith('--'));
const files = readdirSync('bench')
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts')
  .filter((name) => only.length === 0 || only.some((wanted) => name.includes(wanted)));

// The browser benchmarks drive the built site; the others only talk to the API.
const NEEDS_SITE = ['race-latency.ts'];
if (files.some((file) => NEEDS_SITE.includes(file)) && !process.env.STATIC_DIR && !existsSync('dist/zh/index.html')) {
  console.log('No built site yet: building it…');
  if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) process.exit(1);
}

let failed = 0;
for (const file of files) {
  console.log(`\n== bench/${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
console.log(`\n${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
