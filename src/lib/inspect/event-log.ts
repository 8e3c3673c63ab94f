// The timestamped event log of the browser API demo. Entries hold a string key and values, not
// text, so the log follows the page's language; identical consecutive entries (200 echoes of a
// burst) fold into one with a count instead of flooding the list.

import type { InspectKey } from '../../i18n/inspect.ts';

export type LogKind = 'call' | 'open' | 'message' | 'error' | 'close' | 'meter';

export interface LogEntry {
  id: number;
  at: number;
  kind: LogKind;
  key: InspectKey;
  values: Record<string, string | number>;
  count: number;
}

/** Keep the log bounded: a reader can press buttons for a long time. */
export const MAX_LOG_ENTRIES = 200;

const same = (a: LogEntry['values'], b: LogEntry['values']) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/** A new log with the entry appended, or folded into the last entry when it is identical. */
export function appendLog(log: readonly LogEntry[], entry: Omit<LogEntry, 'id' | 'count'>): LogEntry[] {
  const last = log[log.length - 1];
  if (last && last.kind === entry.kind && last.key === entry.key && same(last.values, entry.values)) {
    return [...log.slice(0, -1), { ...last, at: entry.at, count: last.count + 1 }];
  }
  const next = [...log, { ...entry, id: (last?.id ?? 0) + 1, count: 1 }];
  return next.length > MAX_LOG_ENTRIES ? next.slice(next.length - MAX_LOG_ENTRIES) : next;
}
