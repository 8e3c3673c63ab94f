// A cursor names a position in one channel's run: "<feed id>-<seq>", e.g. "k7q2m4-41".
// The feed id is random per channel creation, so after a server restart (or on another server
// behind the same URL) an old cursor is recognisably foreign and the reader is told to resync,
// instead of silently skipping the new run's first events (README "Wire protocol").

export interface CursorPosition {
  /** The channel run the cursor came from; null for `0` or an old-style bare number. */
  feedId: string | null;
  seq: number;
}

/** What `after` and `Last-Event-ID` accept: `0`, a cursor, or a bare number (resync). */
export const CURSOR_PATTERN = /^(?:([a-z0-9]{1,16})-)?(\d{1,15})$/;

export function formatCursor(feedId: string, seq: number): string {
  return `${feedId}-${seq}`;
}

/** The position a cursor names, or null when it is not a cursor at all. */
export function parseCursor(text: string): CursorPosition | null {
  const match = CURSOR_PATTERN.exec(text);
  if (!match) return null;
  return { feedId: match[1] ?? null, seq: Number(match[2]) };
}
