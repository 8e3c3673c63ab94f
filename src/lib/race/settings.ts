// What a race is set up with, the presets and the choices the controls offer. The server caps
// event intervals at 20..10000 ms, payloads at 0..65536 bytes and durations at 300 s.
import { TRANSPORTS, type TransportName } from '../../protocol/feed.ts';

/** The full race, the sweep, or one transport against WebSocket (the lessons' focused demos). */
export type RaceMode = 'full' | 'sweep' | TransportName;

export interface RaceSettings {
  /** Short polling: pause between a reply and the next request. */
  pollIntervalMs: number;
  /** Long polling: how long the server may hold a request. */
  longPollHoldMs: number;
  /** The private channel publishes one event every `eventIntervalMs`. */
  eventIntervalMs: number;
  payloadBytes: number;
  durationMs: number;
}

export type PresetName = 'chat' | 'ticker' | 'rare';

// 730 ms is deliberately not a divisor or multiple of the 1 s poll: events then fall at every
// phase of the poll cycle, so short polling's latency spreads over 0..interval as lessons 2 and 9
// say. (With both at 1 s the phase barely moves and latency settles near one value.)
export const PRESETS: Record<PresetName, RaceSettings> = {
  chat: { pollIntervalMs: 1000, longPollHoldMs: 25_000, eventIntervalMs: 730, payloadBytes: 120, durationMs: 20_000 },
  ticker: { pollIntervalMs: 1000, longPollHoldMs: 25_000, eventIntervalMs: 250, payloadBytes: 64, durationMs: 20_000 },
  rare: { pollIntervalMs: 1000, longPollHoldMs: 25_000, eventIntervalMs: 5000, payloadBytes: 200, durationMs: 30_000 },
};

export const CHOICES = {
  pollIntervalMs: [250, 500, 1000, 2000, 5000],
  longPollHoldMs: [2000, 5000, 10_000, 25_000],
  eventIntervalMs: [100, 250, 500, 730, 1000, 2000, 5000],
  payloadBytes: [0, 16, 120, 1000, 10_000],
  durationMs: [10_000, 20_000, 30_000, 60_000],
} as const satisfies Record<keyof RaceSettings, readonly number[]>;

/** Which transports a mode races. Focused modes race one transport against WebSocket. */
export function transportsOf(mode: RaceMode): TransportName[] {
  if (mode === 'full' || mode === 'sweep') return [...TRANSPORTS];
  return mode === 'websocket' ? ['websocket'] : [mode, 'websocket'];
}

/** The preset a mode starts with: the one that shows what its lesson asks the reader to watch. */
export function defaultPreset(mode: RaceMode): PresetName {
  return mode === 'long-poll' ? 'rare' : 'chat';
}

/** Events the channel will publish: exactly floor(duration / interval), at least one. */
export const expectedEvents = (settings: Pick<RaceSettings, 'durationMs' | 'eventIntervalMs'>) =>
  Math.max(1, Math.floor(settings.durationMs / settings.eventIntervalMs));

/** The sweep: short polling at these intervals, on one channel with every other transport. */
export const SWEEP_INTERVALS_MS = [250, 500, 1000, 2000, 4000] as const;
export const SWEEP_DEFAULTS = { eventIntervalMs: 730, payloadBytes: 120, durationMs: 20_000, longPollHoldMs: 25_000 } as const;
