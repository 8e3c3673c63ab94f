// "Copy as CSV": one row per lane, one column per measure, in the reader's language. RFC 4180
// quoting (fields with a comma, quote or line break are quoted, quotes doubled), CRLF lines.
import { rt } from '../../i18n/race.ts';
import type { Locale } from '../../i18n/ui.ts';
import { latencyNumber } from './format.ts';
import { cellValue, TABLE_ROWS, type LaneNumbers } from './table-rows.ts';

export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * `contendedBy` > 0 (other tabs of the site held connections during the race) adds a column with
 * that count on every row, so the figures never travel without the condition they were taken in.
 */
export function toCsv(lang: Locale, rows: readonly LaneNumbers[], laneLabel: (row: LaneNumbers) => string, contendedBy = 0): string {
  const extra = contendedBy > 0 ? [rt(lang, 'csv.contention')] : [];
  const header = [rt(lang, 'csv.transport'), ...TABLE_ROWS.map((row) => rt(lang, `row.${row.key}`)), ...extra];
  const lines = rows.map((numbers) => [
    laneLabel(numbers),
    ...TABLE_ROWS.map(({ key, kind }) => {
      const value = cellValue(numbers, key);
      if (value === undefined) return '';
      return kind === 'latency' ? latencyNumber(value) : String(value);
    }),
    ...(contendedBy > 0 ? [String(contendedBy)] : []),
  ]);
  return [header, ...lines].map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}
