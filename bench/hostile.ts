// Hostile clients against the real server, each attack on a fresh server in a child process
// (bench/support/hostile-server.ts) so one attack's leftovers do not skew the next. For each
// attack: the server's memory (RSS from /proc at its peak and after; heap and external memory
// still reachable after a full GC), its open descriptors before, at the peak and after, the
// worst /api/health answer time during the attack (asked from a thread of its own) next to the
// longest the server's event loop was blocked, and the time to recover: from the moment the
// attacker's sockets are gone until /api/health answers 200 and the descriptors are back to the
// baseline. Every attack is bounded in count and time and aims at 127.0.0.1 only. One address
// plays many clients here, so the attacks that need many connections run with the fair-use
// limits raised (printed with each); the ping and chat floods run with the defaults and must be
// cut (1008). Exits 1 when any goal is missed. Figures, not tests: tests/hostile/ asserts
// behaviour without timing.
// HOSTILE_ATTACKS=c,e runs only those attacks.
import { fdLimits, FDS_NEEDED, health, probeHealth, Target } from './support/hostile-target.ts';
// The attacks themselves are in support/hostile-attacks.ts and hostile-floods.ts.
import { ATTACKS } from './support/hostile-attacks.ts';
import { goal, HEALTH_MAX_MS, HELD_MAX_MB, MANY_CLIENTS, mb, MiB, ms, RECOVERY_MAX_MS, RSS_GROWTH_MAX_MB, seconds, signedMb, type Attack, type Goal } from './support/hostile-goals.ts';

/**
 * Samples the server while an attack runs: peak RSS and descriptors from /proc, peak heap and
 * external memory over IPC, and /api/health answer times from a thread of their own.
 */
function watch(target: Target) {
  const seen = { rss: 0, fds: 0, memory: 0 };
  const sample = () => {
    if (target.exitCode !== undefined) return;
    seen.rss = Math.max(seen.rss, target.rss());
    seen.fds = Math.max(seen.fds, target.fds());
  };
  const sampler = setInterval(sample, 50);
  const memorySampler = setInterval(() => {
    target.measure({}, 2000).then(
      (figures) => (seen.memory = Math.max(seen.memory, figures.heapUsedBytes + figures.externalBytes)),
      () => {},
    );
  }, 200);
  const healthProbe = probeHealth(target.url, 200, 2 * HEALTH_MAX_MS);
  return async () => {
    clearInterval(sampler);
    clearInterval(memorySampler);
    sample();
    // At least one look, for an attack shorter than the sampling interval.
    await target.measure({}, 2000).then(
      (figures) => (seen.memory = Math.max(seen.memory, figures.heapUsedBytes + figures.externalBytes)),
      () => {},
    );
    const health = await healthProbe.stop();
    return { ...seen, healthChecks: health.checks, healthWorstMs: health.worstMs, healthFailures: health.failures };
  };
}

interface Row {
  attack: string;
  'rss peak Δ MB': string;
  'rss after Δ MB': string;
  'heap+ext held MB': string;
  'fds before/peak/after': string;
  'health worst ms': number | string;
  'recovery ms': number | string;
  ok: boolean;
}

async function runAttack(attack: Attack): Promise<Row> {
  console.log(`\n(${attack.id}) ${attack.title}`);
  try {
    return await attackOnce(attack);
  } catch (error) {
    console.log(`    ✗ MISSED: the attack could not run: ${(error as Error).stack ?? String(error)}`);
    const none = '-';
    return { attack: `(${attack.id}) ${attack.short}`, 'rss peak Δ MB': none, 'rss after Δ MB': none, 'heap+ext held MB': none, 'fds before/peak/after': none, 'health worst ms': none, 'recovery ms': none, ok: false };
  }
}

async function attackOnce(attack: Attack): Promise<Row> {
  const raised = Object.entries(attack.settings).map(([name, value]) => `${name}=${value}`);
  const target = await Target.start(attack.settings);
  console.log(`    server: Node ${target.node}, pid ${target.pid}, ${target.fdNote}`);
  console.log(`    settings: ${raised.length ? raised.join(' ') : 'defaults (fair-use limits as shipped)'}`);
  try {
    await health(target.url); // warm-up: the first request compiles the handlers
    const channel = await attack.prepare?.(target);
    const fdsBefore = await target.settledFds();
    const before = await target.measure({ gc: true, channel });
    const rssBefore = target.rss();
    const healthBefore = await health(target.url);
    await target.measure({ resetLoopDelay: true });

    const stopWatching = watch(target);
    const outcome = await attack.run(target, channel).catch((error: Error) => ({
      endedAt: performance.now(),
      notes: [`the attack itself failed: ${error.stack ?? error.message}`],
      goals: [goal('the attack ran to its end', false)],
    }));
    // Recovery is timed from the attack's end, while the watch winds down beside it.
    const [seen, recoveryMs] = await Promise.all([stopWatching(), target.recovery(fdsBefore, outcome.endedAt)]);
    const { loopDelayMaxMs } = await target.measure({ resetLoopDelay: true });
    const afterChecks = (await attack.afterwards?.(target, before)) ?? [];
    const fdsAfter = await target.settledFds(200, 2000);
    const after = await target.measure({ gc: true, channel });
    const rssAfter = target.rss();

    const held = after.heapUsedBytes + after.externalBytes - (before.heapUsedBytes + before.externalBytes);
    const peakMemory = seen.memory - before.heapUsedBytes - before.externalBytes;
    const heldMax = HELD_MAX_MB + (attack.allowance?.mb ?? 0);
    const leftovers = { socketsHeld: after.socketsHeld, streamsHeld: after.streamsHeld, tickerSubscribers: after.tickerSubscribers, channelSubscribers: after.channelSubscribers };
    const goals = [
      ...outcome.goals,
      goal(`RSS growth at peak ${mb(seen.rss - rssBefore)} MB < ${RSS_GROWTH_MAX_MB} MB`, seen.rss - rssBefore < RSS_GROWTH_MAX_MB * MiB),
      ...(attack.duringChecks?.(peakMemory) ?? []),
      ...afterChecks,
      goal(
        `heap+external held after GC ${mb(held)} MB < ${heldMax} MB${attack.allowance ? ` (${HELD_MAX_MB} + ${attack.allowance.mb}: ${attack.allowance.why})` : ''}`,
        held < heldMax * MiB,
      ),
      goal(
        `/api/health answered within ${HEALTH_MAX_MS} ms throughout (worst ${ms(seen.healthWorstMs)} of ${seen.healthChecks}, ${seen.healthFailures} failed)`,
        seen.healthWorstMs < HEALTH_MAX_MS && seen.healthFailures === 0 && seen.healthChecks > 0,
      ),
      goal(
        `recovered (health 200, descriptors ≤ ${fdsBefore}) within ${RECOVERY_MAX_MS} ms: ${recoveryMs === null ? 'not within 10 s' : ms(recoveryMs)}`,
        recoveryMs !== null && recoveryMs < RECOVERY_MAX_MS,
      ),
      goal(`nothing left held (${Object.entries(leftovers).map(([k, v]) => `${k} ${v}`).join(', ')})`, Object.values(leftovers).every((v) => v === 0)),
      goal(`server alive, no bug reported${target.bugs.length ? `: ${target.bugs[0]}` : ''}`, target.exitCode === undefined && target.bugs.length === 0),
      goal(`nothing on the server's stderr (${target.log.length} lines)`, target.log.length === 0),
    ];

    for (const note of outcome.notes) console.log(`    ${note}`);
    console.log(
      `    memory: RSS ${mb(rssBefore)} MB before, peak ${signedMb(seen.rss - rssBefore)}, after ${signedMb(rssAfter - rssBefore)}; ` +
        `after GC heap ${signedMb(after.heapUsedBytes - before.heapUsedBytes)}, external ${signedMb(after.externalBytes - before.externalBytes)} ` +
        `(peak heap+external during ${signedMb(peakMemory)})`,
    );
    console.log(`    descriptors: ${fdsBefore} before, ${seen.fds} at peak, ${fdsAfter} after`);
    console.log(
      `    health: ${ms(healthBefore.ms)} before, worst ${ms(seen.healthWorstMs)} during (the server's event loop was blocked up to ${ms(loopDelayMaxMs)}); ` +
        `recovery ${recoveryMs === null ? '> 10 s' : ms(recoveryMs)}`,
    );
    if (target.log.length) {
      console.log(`    server stderr (${target.log.length} lines):`);
      for (const line of target.log.slice(0, 5)) console.log(`      ${line.slice(0, 200)}`);
    }
    for (const { label, ok } of goals) console.log(`    ${ok ? '✓' : '✗ MISSED:'} ${label}`);
    return {
      attack: `(${attack.id}) ${attack.short}`,
      'rss peak Δ MB': mb(seen.rss - rssBefore),
      'rss after Δ MB': mb(rssAfter - rssBefore),
      'heap+ext held MB': mb(held),
      'fds before/peak/after': `${fdsBefore}/${seen.fds}/${fdsAfter}`,
      'health worst ms': Math.round(seen.healthWorstMs),
      'recovery ms': recoveryMs === null ? '> 10000' : Math.round(recoveryMs),
      ok: goals.every((g) => g.ok),
    };
  } finally {
    await target.stop();
  }
}

// ---------------------------------------------------------------------------------------------

const limits = fdLimits();
console.log(
  `Hostile clients against a fresh server per attack, loopback only. Goals: RSS growth < ${RSS_GROWTH_MAX_MB} MB, ` +
    `heap+external held after GC < ${HELD_MAX_MB} MB (plus stated allowances), health < ${HEALTH_MAX_MS} ms, recovery < ${RECOVERY_MAX_MS} ms.`,
);
console.log(
  `Attacks (a)–(e) raise the fair-use limits, since one address (127.0.0.1) plays every client: ` +
    `${Object.entries(MANY_CLIENTS).map(([k, v]) => `${k}=${v}`).join(' ')}. The floods (f1, f2) keep the defaults.`,
);
if (limits.soft < FDS_NEEDED / 4) console.log(`warning: this process may open only ${limits.soft} descriptors; the attacks need ~${FDS_NEEDED / 4}.`);

const started = performance.now();
const rows: Row[] = [];
// HOSTILE_ATTACKS=c,e runs only those (while working on one).
const only = process.env.HOSTILE_ATTACKS?.split(',').filter(Boolean);
for (const attack of ATTACKS) {
  if (!only || only.includes(attack.id)) rows.push(await runAttack(attack));
}
console.log('');
console.table(rows);
const failing = rows.filter((row) => !row.ok);
if (failing.length) {
  console.error(`hostile: goals missed in ${failing.map((row) => row.attack.split(' ')[0]).join(', ')} (${seconds(started)})`);
  process.exitCode = 1;
} else console.log(`hostile: ok, every attack within its goals (${seconds(started)})`);
