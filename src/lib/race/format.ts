// How the race writes numbers: grouped integers, bytes in B/KB/MB (SI, 1 KB = 1000 B, as the
// verdict's "2.1 KB"), milliseconds with a decimal only where it matters (loopback latencies).
import type { Locale } from '../../i18n/ui.ts';

const localeTag = (lang: Locale) => (lang === 'zh' ? 'zh-CN' : 'en');

export function formatInteger(lang: Locale, value: number): string {
  return new Intl.NumberFormat(localeTag(lang), { maximumFractionDigits: 0 }).format(value);
}

export function formatBytes(lang: Locale, bytes: number): string {
  const number = (value: number, digits: number) => new Intl.NumberFormat(localeTag(lang), { maximumFractionDigits: digits }).format(value);
  if (bytes < 1000) return `${number(bytes, 0)} B`;
  if (bytes < 1_000_000) return `${number(bytes / 1000, bytes < 10_000 ? 1 : 0)} KB`;
  return `${number(bytes / 1_000_000, 1)} MB`;
}

/** A duration or latency in ms: one decimal under 10 ms, none above. */
export function formatMs(lang: Locale, ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const digits = Math.abs(ms) < 10 && ms !== 0 ? 1 : 0;
  return `${new Intl.NumberFormat(localeTag(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ms)} ms`;
}

/** Just the number of a latency, as the table and CSV carry it (unit in the row name). */
export function latencyNumber(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return Math.abs(ms) < 10 ? ms.toFixed(1) : ms.toFixed(0);
}

export function formatSeconds(lang: Locale, ms: number): string {
  return `${new Intl.NumberFormat(localeTag(lang), { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(ms / 1000)} s`;
}

/** An interval setting: "730 ms", "1.5 s", "2 s". */
export function formatInterval(lang: Locale, ms: number): string {
  if (ms < 1000 || ms % 100 !== 0) return `${formatInteger(lang, ms)} ms`;
  return `${new Intl.NumberFormat(localeTag(lang), { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
}
