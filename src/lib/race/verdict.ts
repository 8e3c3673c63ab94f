// The one-line plain-language verdict under the charts, written from the measured numbers only:
// the cheapest and the costliest transport by bytes on the wire, then the fastest and slowest
// by median latency. E.g. "WebSocket used 1 request and 2.1 KB; short polling used 21 requests
// and 12.4 KB, 9 of them empty. Median latency: WebSocket 0.6 ms, short polling 498 ms."
import { rt } from '../../i18n/race.ts';
import type { Locale } from '../../i18n/ui.ts';
import { formatBytes, formatInteger, formatMs } from './format.ts';
import type { LaneNumbers } from './table-rows.ts';

type Priced = LaneNumbers & { requests: number; totalBytes: number };

function nameOf(lang: Locale, row: LaneNumbers, startsSentence: boolean): string {
  const name = rt(lang, `name.${row.transport}`);
  if (lang === 'zh') return /[A-Za-z]$/.test(name) ? `${name} ` : name; // space between Latin and CJK
  return startsSentence ? name.charAt(0).toUpperCase() + name.slice(1) : name;
}

function usage(lang: Locale, row: Priced, startsSentence: boolean): string {
  const values = {
    name: nameOf(lang, row, startsSentence),
    requests: formatInteger(lang, row.requests),
    requestsWord: row.requests === 1 ? 'request' : 'requests',
    bytes: formatBytes(lang, row.totalBytes),
    empty: formatInteger(lang, row.emptyReplies),
  };
  return rt(lang, row.emptyReplies > 0 ? 'verdict.usedEmpty' : 'verdict.used', values);
}

/** `contendedBy`: other tabs of the site that held connections during the race (0: none seen). */
export function verdictText(lang: Locale, rows: readonly LaneNumbers[], contendedBy = 0): string {
  const priced = rows.filter((row): row is Priced => row.requests !== null && row.totalBytes !== null);
  if (priced.length === 0) return '';
  const byCost = [...priced].sort((a, b) => a.totalBytes - b.totalBytes || a.requests - b.requests);
  const cheapest = byCost[0]!;
  const costliest = byCost[byCost.length - 1]!;
  let text = usage(lang, cheapest, true);
  if (costliest !== cheapest) text += rt(lang, 'verdict.join') + usage(lang, costliest, false);
  text += rt(lang, 'verdict.end');

  const timed = rows.filter((row) => row.latency !== null).sort((a, b) => a.latency!.p50 - b.latency!.p50);
  if (timed.length >= 2) {
    const fast = timed[0]!;
    const slow = timed[timed.length - 1]!;
    const sentence = rt(lang, 'verdict.latency', {
      fast: nameOf(lang, fast, false).trim(),
      fastMs: formatMs(lang, fast.latency!.p50),
      slow: nameOf(lang, slow, false).trim(),
      slowMs: formatMs(lang, slow.latency!.p50),
    });
    text += (lang === 'zh' ? '' : ' ') + sentence;
  }
  if (contendedBy > 0) text += (lang === 'zh' ? '' : ' ') + rt(lang, 'contention.marked', { n: contendedBy });
  return text;
}
