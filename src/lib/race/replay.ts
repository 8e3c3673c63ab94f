/// <reference types="vite/client" />
// The recorded race (src/data/race-replay.json, made by scripts/record-race.ts from a real run).
// A glob import, so a build without a recording still works (no replay offered) and the JSON is
// a separate chunk fetched only when someone asks for the replay.
import type { ReplayFile } from './recording.ts';

const files = import.meta.glob<ReplayFile>('../../data/race-replay.json', { import: 'default' });

export const loadReplay: (() => Promise<ReplayFile>) | null = Object.values(files)[0] ?? null;
