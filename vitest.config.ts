import { defineConfig } from 'vitest/config';

// Five projects: unit (no I/O), integration (a real server on port 0, real sockets), hostile
// (attacks on a real server), cluster (deploy/nginx.conf in front of real instances, with
// redis-server and nginx as child processes), e2e (the built site in real Chromium). `npm test`
// runs all five.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The attacks of tests/hostile/: real server on port 0, raw sockets, memory measured in
          // child processes. One file at a time, so one attack's load does not skew another's figures.
          name: 'hostile',
          include: ['tests/hostile/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // tests/cluster/: server/main.ts instances, nginx and redis-server as child processes
          // on free ports (tests/helpers/services.ts). One file at a time: each starts several.
          name: 'cluster',
          include: ['tests/cluster/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // One Chromium at a time: the machine has two cores. Within a file, cases marked
          // concurrent open at most three pages at once (Chromium allows six connections per host).
          fileParallelism: false,
          maxConcurrency: 3,
        },
      },
    ],
  },
});
