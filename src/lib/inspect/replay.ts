/// <reference types="vite/client" />
// The recorded inspector connection (src/data/inspect-replay.json, made by
// scripts/record-inspect.ts from a real Chromium connection to our server): what a static-only
// copy of the site shows, labelled as a replay, where the live handshake and frames would be.
// A glob import, as for the race: a build without a recording still works (no replay offered).
import type { InspectReply } from '../../protocol/inspect.ts';

export interface InspectRecording {
  recordedAt: string;
  /** The browser that made the recorded connection (its handshake is that browser's, not the reader's). */
  userAgent: string;
  reply: InspectReply;
}

const files = import.meta.glob<InspectRecording>('../../data/inspect-replay.json', { import: 'default' });

export const loadInspectReplay: (() => Promise<InspectRecording>) | null = Object.values(files)[0] ?? null;
