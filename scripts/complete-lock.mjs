// Completes package-lock.json with the other platforms' optional binaries that this machine's
// npm mirror does not carry (it lags behind on non-Linux builds), so `npm ci` accepts the lock.
// Each added entry names only version, os and cpu: npm skips a binary for another platform
// without downloading it, and a machine with the full registry fills in the rest on its next
// `npm install`. Run after any `npm install` that changes the lock: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM_NAME = /[-/](darwin|linux|freebsd|windows|win32|android|openbsd|sunos|aix)-(arm64|x64|ia32|arm|riscv64|ppc64|s390x|loong64)/;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (lock.packages[`${path}/node_modules/${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const platform = PLATFORM_NAME.exec(name);
    if (!platform) throw new Error(`${name}: an optional dependency that is not a platform binary is missing from the lock`);
    const os = platform[1] === 'windows' ? 'win32' : platform[1];
    lock.packages[`node_modules/${name}`] = { version, cpu: [platform[2]], dev: entry.dev, optional: true, os: [os] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lock: added ${added} platform entries`);
