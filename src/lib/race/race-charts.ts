// The race's charts as factories: each creates its chart.js chart on a canvas and returns
// an `update(view)` that swaps in new data and redraws with `update('none')` (no animation).
import type { ChartDataset, LegendItem } from 'chart.js';
import { rt } from '../../i18n/race.ts';
import type { Locale } from '../../i18n/ui.ts';
import { baseOptions, Chart, POINT_STYLE, withAlpha, type ChartFactory, type ChartTheme } from './chart-setup.ts';
import { formatBytes, formatMs } from './format.ts';
import { isDecade, LOG_FLOOR_MS, onLogAxis } from './log-axis.ts';
import { laneLabel } from './labels.ts';
import type { LaneView, Point, RaceView } from './race-data.ts';

const POLLING = new Set(['short-poll', 'long-poll']);

/** Seconds the time axis spans: the race's duration, or longer if it overran. */
const axisSeconds = (view: RaceView) => Math.ceil(Math.max(view.durationMs, view.elapsedMs, 1000) / 1000);

/** Replaces the datasets only when their set changed; otherwise just their data (cheaper). */
function setDatasets<T extends 'line' | 'bar' | 'scatter', D>(chart: Chart<T, D>, next: ChartDataset<T, D>[]): void {
  const current = chart.data.datasets;
  const same = current.length === next.length && current.every((dataset, i) => dataset.label === next[i]!.label);
  if (!same) chart.data.datasets = next;
  else current.forEach((dataset, i) => (dataset.data = next[i]!.data));
}

export function requestsChart(lang: Locale): ChartFactory<RaceView> {
  return (canvas, theme) => {
    const base = baseOptions(theme);
    const chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        ...base.frame,
        elements: { point: { radius: 0 }, line: { borderWidth: 2 } },
        scales: {
          x: { type: 'linear', min: 0, ...base.axis(rt(lang, 'axis.seconds')) },
          y: { beginAtZero: true, title: base.title(rt(lang, 'axis.requests')), ticks: { ...base.ticks, precision: 0 }, grid: base.grid },
        },
        plugins: { legend: { ...base.legend, labels: { ...base.legend.labels, usePointStyle: false, boxHeight: 2 } } },
      },
    });
    return {
      update(view) {
        chart.options.scales!.x!.max = axisSeconds(view);
        const color = (lane: LaneView) => theme.transport[lane.spec.transport];
        setDatasets(chart, [
          ...view.lanes.map((lane) => ({ label: laneLabel(lang, lane.spec), data: lane.requestsTimeline, borderColor: color(lane), backgroundColor: color(lane) })),
          ...view.lanes
            .filter((lane) => POLLING.has(lane.spec.transport))
            .map((lane) => ({
              label: rt(lang, 'series.empty', { name: laneLabel(lang, lane.spec) }),
              data: lane.emptyTimeline,
              borderColor: color(lane),
              backgroundColor: color(lane),
              borderDash: [5, 4],
              stepped: 'before' as const,
            })),
        ]);
        chart.update('none');
      },
      destroy: () => chart.destroy(),
    };
  };
}

/** Legend swatches for series that are shaded per transport: neutral solid, then lighter. */
const shadeLegend = (theme: ChartTheme, alphas: number[]) => (chart: Chart): LegendItem[] =>
  chart.data.datasets.map((dataset, index) => ({
    text: dataset.label ?? '',
    fillStyle: withAlpha(theme.muted, alphas[index] ?? 1),
    strokeStyle: theme.muted,
    lineWidth: 1,
    fontColor: theme.fg,
    hidden: !chart.isDatasetVisible(index),
    datasetIndex: index,
    pointStyle: 'rect',
  }));

/** Horizontal grouped bars, one group per lane, one bar per series, shaded transport colors. */
function laneBars(
  lang: Locale,
  series: { label: string; alpha: number; value: (lane: LaneView) => number | null }[],
  formatValue: (value: number) => string,
  logarithmic = false,
): ChartFactory<RaceView> {
  return (canvas, theme) => {
    const base = baseOptions(theme);
    const alphas = series.map((s) => s.alpha);
    const chart = new Chart<'bar', (number | null)[], string>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        ...base.frame,
        scales: {
          // The ticks carry the unit ("5 KB", "500 ms"), so no axis title.
          x: logarithmic
            ? { type: 'logarithmic', min: LOG_FLOOR_MS, ticks: { ...base.ticks, callback: (value) => (isDecade(Number(value)) ? formatValue(Number(value)) : '') }, grid: base.grid }
            : { beginAtZero: true, ticks: { ...base.ticks, maxTicksLimit: 5, callback: (value) => formatValue(Number(value)) }, grid: base.grid },
          y: { ticks: base.ticks, grid: { display: false } },
        },
        plugins: {
          legend: { ...base.legend, labels: { ...base.legend.labels, usePointStyle: false, generateLabels: shadeLegend(theme, alphas) } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatValue(Number(item.raw))}` } },
        },
      },
    });
    return {
      update(view) {
        chart.data.labels = view.lanes.map((lane) => laneLabel(lang, lane.spec));
        setDatasets(
          chart,
          series.map((s) => ({
            label: s.label,
            data: view.lanes.map(s.value),
            backgroundColor: view.lanes.map((lane) => withAlpha(theme.transport[lane.spec.transport], s.alpha)),
            borderColor: view.lanes.map((lane) => theme.transport[lane.spec.transport]),
            borderWidth: 1,
          })),
        );
        chart.update('none');
      },
      destroy: () => chart.destroy(),
    };
  };
}

export const headerBytesChart = (lang: Locale) =>
  laneBars(
    lang,
    [
      { label: rt(lang, 'series.requestHeaders'), alpha: 1, value: (lane) => lane.figures?.requestHeaderBytes ?? null },
      { label: rt(lang, 'series.responseHeaders'), alpha: 0.4, value: (lane) => lane.figures?.responseHeaderBytes ?? null },
    ],
    (value) => formatBytes(lang, value),
  );

export const bodyBytesChart = (lang: Locale) =>
  laneBars(
    lang,
    [
      { label: rt(lang, 'series.payload'), alpha: 1, value: (lane) => lane.figures?.payloadBytes ?? null },
      { label: rt(lang, 'series.framing'), alpha: 0.4, value: (lane) => lane.figures?.framingBytes ?? null },
    ],
    (value) => formatBytes(lang, value),
  );

export const latencyBarsChart = (lang: Locale) =>
  laneBars(
    lang,
    [
      { label: 'p50', alpha: 1, value: (lane) => onLogAxis(lane.latency?.p50 ?? null) },
      { label: 'p95', alpha: 0.55, value: (lane) => onLogAxis(lane.latency?.p95 ?? null) },
      { label: 'max', alpha: 0.25, value: (lane) => onLogAxis(lane.latency?.max ?? null) },
    ],
    (value) => formatMs(lang, value),
    true,
  );

export function latencyTimeChart(lang: Locale): ChartFactory<RaceView> {
  return (canvas, theme) => {
    const base = baseOptions(theme);
    const chart = new Chart<'scatter', Point[]>(canvas, {
      type: 'scatter',
      data: { datasets: [] },
      options: {
        ...base.frame,
        scales: {
          x: { type: 'linear', min: 0, ...base.axis(rt(lang, 'axis.seconds')) },
          y: { ...base.axis(rt(lang, 'axis.ms')), type: 'logarithmic', min: LOG_FLOOR_MS, ticks: { ...base.ticks, callback: (value) => (isDecade(Number(value)) ? formatMs(lang, Number(value)) : '') } },
        },
        plugins: {
          legend: base.legend,
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatMs(lang, (item.raw as Point).y)}` } },
        },
      },
    });
    return {
      update(view) {
        chart.options.scales!.x!.max = axisSeconds(view);
        setDatasets(
          chart,
          view.lanes.map((lane) => {
            const color = theme.transport[lane.spec.transport];
            const data = lane.latencyPoints.map((p) => ({ ...p, y: onLogAxis(p.y)! }));
            return { label: laneLabel(lang, lane.spec), data, backgroundColor: withAlpha(color, 0.75), borderColor: color, pointStyle: POINT_STYLE[lane.spec.transport], pointRadius: 3.5 };
          }),
        );
        chart.update('none');
      },
      destroy: () => chart.destroy(),
    };
  };
}
