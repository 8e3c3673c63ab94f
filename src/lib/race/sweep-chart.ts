// The sweep's scatter: mean latency (y) against requests per minute (x). The short-polling
// points are joined in a line, the "no interval wins both" curve; the push transports are single
// points at x = 0: one connection each, however long the race, so no rate (a per-minute figure
// would only be 1 / duration). They often share a latency too, so each has its own marker size:
// concentric, hollow outer ones, every one visible, named by the legend. Other points carry a label beside them.
import type { Plugin } from 'chart.js';
import { rt } from '../../i18n/race.ts';
import type { Locale } from '../../i18n/ui.ts';
import { baseOptions, Chart, POINT_STYLE, withAlpha, type ChartFactory } from './chart-setup.ts';
import { formatInterval, formatMs } from './format.ts';
import { laneLabel } from './labels.ts';
import type { SweepPoint } from './sweep.ts';

interface LabelledPoint {
  x: number;
  y: number;
  label: string;
}

/** Draws each point's `label` beside it (an inline plugin: nothing global is registered). */
const pointLabels = (color: string, font: string): Plugin<'scatter'> => ({
  id: 'sweepPointLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = color;
    ctx.font = font;
    ctx.textBaseline = 'bottom';
    const placed: { left: number; right: number; top: number; bottom: number }[] = [];
    const lineHeight = parseFloat(font) + 3;
    chart.data.datasets.forEach((dataset, index) => {
      chart.getDatasetMeta(index).data.forEach((element, i) => {
        const point = dataset.data[i] as LabelledPoint | undefined;
        if (!point?.label) return;
        const width = ctx.measureText(point.label).width;
        const alignRight = element.x + 7 + width > chart.chartArea.right;
        const left = alignRight ? element.x - 7 - width : element.x + 7;
        // Points at the same spot (SSE and WebSocket often are) get their labels stacked upwards.
        let bottom = element.y - 4;
        while (placed.some((box) => left < box.right && left + width > box.left && bottom > box.top && bottom - lineHeight < box.bottom)) bottom -= lineHeight;
        placed.push({ left, right: left + width, top: bottom - lineHeight, bottom });
        ctx.textAlign = 'left';
        ctx.fillText(point.label, left, bottom);
      });
    });
    ctx.restore();
  },
});

export function sweepChart(lang: Locale): ChartFactory<SweepPoint[]> {
  return (canvas, theme) => {
    const base = baseOptions(theme);
    const chart = new Chart<'scatter', LabelledPoint[]>(canvas, {
      type: 'scatter',
      data: { datasets: [] },
      options: {
        ...base.frame,
        // Room above the highest point for its label.
        layout: { padding: { top: theme.fontSize + 6 } },
        scales: {
          x: { beginAtZero: true, ...base.axis(rt(lang, 'sweep.axisX')) },
          y: { beginAtZero: true, ...base.axis(rt(lang, 'sweep.axisY')) },
        },
        plugins: {
          legend: base.legend,
          tooltip: { callbacks: { label: (item) => { const p = item.raw as LabelledPoint; return `${p.label}: ${Math.round(p.x)}/min, ${formatMs(lang, p.y)}`; } } },
        },
      },
      plugins: [pointLabels(theme.fg, `${theme.fontSize}px ${theme.fontFamily}`)],
    });
    return {
      update(points) {
        const measured = points.filter((p) => (p.requestsPerMinute !== null || p.connections !== null) && p.meanLatencyMs !== null);
        const pushes = measured.filter((p) => p.requestsPerMinute === null);
        const polls = measured.filter((p) => p.pollIntervalMs !== undefined).sort((a, b) => a.requestsPerMinute! - b.requestsPerMinute!);
        const color = theme.transport['short-poll'];
        chart.data.datasets = [
          {
            label: rt(lang, 'sweep.curve'),
            data: polls.map((p) => ({ x: p.requestsPerMinute!, y: p.meanLatencyMs!, label: formatInterval(lang, p.pollIntervalMs!) })),
            showLine: true,
            borderColor: color,
            backgroundColor: withAlpha(color, 0.8),
            pointStyle: POINT_STYLE['short-poll'],
            pointRadius: 5,
          },
          ...measured
            .filter((p) => p.pollIntervalMs === undefined && p.requestsPerMinute !== null)
            .map((p) => ({
              label: laneLabel(lang, p),
              data: [{ x: p.requestsPerMinute!, y: p.meanLatencyMs!, label: laneLabel(lang, p) }],
              borderColor: theme.transport[p.transport],
              backgroundColor: withAlpha(theme.transport[p.transport], 0.8),
              pointStyle: POINT_STYLE[p.transport],
              pointRadius: 6,
            })),
          ...pushes.map((p, index) => {
            const label = rt(lang, 'sweep.pointConnection', { name: laneLabel(lang, p) });
            const outer = index < pushes.length - 1;
            // No label beside them: stacked labels climb to latencies they don't have and a joined
            // one runs off a phone's canvas. The legend names each marker, with "(1 connection)".
            return {
              label,
              data: [{ x: 0, y: p.meanLatencyMs!, label: '' }],
              borderColor: theme.transport[p.transport],
              backgroundColor: outer ? 'transparent' : withAlpha(theme.transport[p.transport], 0.8),
              borderWidth: 2,
              pointStyle: POINT_STYLE[p.transport],
              pointRadius: 5 + 4 * (pushes.length - 1 - index),
            };
          }),
        ];
        chart.update('none');
      },
      destroy: () => chart.destroy(),
    };
  };
}
