/** Every demo a lesson can embed with <Demo name="…" /> (content/README.md describes each). */
export const DEMO_NAMES = [
  'transport-status',
  'race',
  'race-short-poll',
  'race-long-poll',
  'race-sse',
  'race-sweep',
  'sequence',
  'handshake',
  'accept-calculator',
  'frame-inspector',
  'ws-api',
  'echo',
  'chat',
] as const;
export type DemoName = (typeof DEMO_NAMES)[number];
