// Live connections only while the page is seen. A background tab that keeps its polls, streams
// and sockets open takes some of the browser's six HTTP/1.1 connections per host from the tab the
// reader is looking at (issue #11: a race's short-poll p50 went from 495 to 842 ms). Every island
// that holds connections wraps them in `whileVisible`: released on hide, resumed (from the
// transport's cursor, so nothing is lost) on show.
import { tabPresence } from './presence.ts';

export interface VisibleDocument {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface Holder {
  /** Open (or reopen) the connections. */
  resume(): void;
  /** Close them; `resume` must be able to pick up where they left off. */
  release(): void;
}

/**
 * Calls `resume` now if the page is visible and whenever it becomes visible again, `release`
 * whenever it is hidden. Returns a dispose that releases for good. Also announces to the site's
 * other tabs whether this one holds connections (presence.ts), so a race can warn of contention.
 */
export function whileVisible(holder: Holder, doc: VisibleDocument = document, announce = true): () => void {
  let holding = false;
  let unhold: (() => void) | null = null;
  const sync = () => {
    const want = doc.visibilityState === 'visible';
    if (want === holding) return;
    holding = want;
    if (want) {
      holder.resume();
      if (announce) unhold = tabPresence()?.hold() ?? null;
    } else {
      holder.release();
      unhold?.();
      unhold = null;
    }
  };
  doc.addEventListener('visibilitychange', sync);
  sync();
  return () => {
    doc.removeEventListener('visibilitychange', sync);
    if (holding) {
      holding = false;
      holder.release();
      unhold?.();
      unhold = null;
    }
  };
}
