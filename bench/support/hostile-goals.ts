// What bench/hostile.ts and its attacks share: the goals, an attack's shape, the units.
import { postJson } from './hostile-clients.ts';
import type { ServerFigures } from './hostile-server.ts';
import { sleep, type Target } from './hostile-target.ts';

export const MiB = 1024 * 1024;
/** Goals every attack is held to. */
export const RSS_GROWTH_MAX_MB = 150;
/** Heap + external memory still reachable after the attack and a full GC. */
export const HELD_MAX_MB = 16;
export const HEALTH_MAX_MS = 1000;
export const RECOVERY_MAX_MS = 2000;

/** One address plays many clients: the fair-use limits that would refuse it are raised. */
export const MANY_CLIENTS = {
  SOCKETS_PER_ADDRESS: '100000',
  STREAMS_PER_ADDRESS: '100000',
  REQUESTS_PER_SECOND_PER_ADDRESS: '100000',
  WS_MESSAGES_PER_SECOND_PER_ADDRESS: '100000',
};
/** The defaults (server/config.ts) the floods must run into. */
export const WS_MESSAGES_PER_SECOND = 200;
export const WS_PINGS_PER_SECOND = 20;
export const RATE_WINDOW_S = 10;

/** The race channel of attacks (c) and (d): 64 KiB events every 20 ms for 20 s. */
export const HEAVY_CHANNEL = { intervalMs: 20, payloadBytes: 65_536, durationMs: 20_000 };

export interface Goal {
  label: string;
  ok: boolean;
}
export const goal = (label: string, ok: boolean): Goal => ({ label, ok });

export interface Outcome {
  /** performance.now() when the attacker's sockets were all gone: recovery counts from here. */
  endedAt: number;
  notes: string[];
  goals: Goal[];
}

export interface Attack {
  id: string;
  title: string;
  /** For the summary table. */
  short: string;
  settings: Record<string, string>;
  /** Memory the server is meant to keep after this attack, beyond HELD_MAX_MB, and why. */
  allowance?: { mb: number; why: string };
  /** More checks on the peak heap+external memory while the attack ran (beyond the baseline). */
  duringChecks?: (peakMemoryBytes: number) => Goal[];
  /** Runs once the server has recovered, before the final measurement; returns more checks. */
  afterwards?: (target: Target, before: ServerFigures) => Promise<Goal[]>;
  /** Before the baseline: what the attack needs that is not the attack itself (a channel). */
  prepare?: (target: Target) => Promise<string>;
  run: (target: Target, channel: string | undefined) => Promise<Outcome>;
}

export const mb = (bytes: number) => (bytes / MiB).toFixed(1);
export const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
export const ms = (value: number) => `${Math.round(value)} ms`;
export const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A private channel like the race's, with its buffer already full (so the baseline holds it). */
export async function heavyChannel(target: Target): Promise<string> {
  const { status, json } = await postJson(target.url, '/api/channels', HEAVY_CHANNEL);
  if (status !== 201) throw new Error(`POST /api/channels answered ${status}: ${JSON.stringify(json)}`);
  // BUFFER_MAX_BYTES (8 MiB) of 64 KiB events is ~128 of them: 2.6 s at one per 20 ms.
  await sleep(3000);
  return (json as { channel: string }).channel;
}
