// chart.js, tree-shaken: only the controllers, elements, scales and plugins the race draws are
// registered (importing 'chart.js/auto' would pull in all of them). Colors and type come from the
// page's CSS variables when a chart is created, so charts follow light/dark and projector sizes.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { TRANSPORT_CATALOG, type TransportName, type TransportSpec } from '../../protocol/transports.ts';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, ScatterController, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend);

export { Chart };

export interface ChartTheme {
  fg: string;
  muted: string;
  grid: string;
  surface: string;
  fontFamily: string;
  /** px; follows the root font size, which grows on a projector (global.css). */
  fontSize: number;
  transport: Record<TransportName, string>;
}

/** A chart the island keeps: it takes a new view (at most 4×/s) and is destroyed with its canvas. */
export interface LiveChart<V> {
  update(view: V): void;
  destroy(): void;
}
export type ChartFactory<V> = (canvas: HTMLCanvasElement, theme: ChartTheme) => LiveChart<V>;

export function readTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const rootSize = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return {
    fg: css('--fg', '#1c1e21'),
    muted: css('--muted', '#5f6672'),
    grid: css('--border', '#dfe2e8'),
    surface: css('--surface', '#ffffff'),
    fontFamily: css('--font-sans', 'system-ui, sans-serif'),
    fontSize: Math.max(11, Math.round(rootSize * 0.78)),
    transport: Object.fromEntries(TRANSPORT_CATALOG.map((spec) => [spec.name, css(`--c-${spec.name}`, spec.color.light)])) as Record<TransportName, string>,
  };
}

/** `#rrggbb` at an opacity; other color syntaxes are mixed with transparent by the browser. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!hex) return `color-mix(in srgb, ${color} ${Math.round(alpha * 100)}%, transparent)`;
  const [r, g, b] = hex.slice(1).map((part) => parseInt(part, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Shape per transport, so the charts don't rely on color alone. */
export const POINT_STYLE = Object.fromEntries(TRANSPORT_CATALOG.map((spec) => [spec.name, spec.marker])) as Record<TransportName, TransportSpec['marker']>;

/** Options every chart shares: no animation (live data; reduced motion), theme fonts and grid. */
export function baseOptions(theme: ChartTheme) {
  const ticks = { color: theme.muted, font: { family: theme.fontFamily, size: theme.fontSize } };
  const title = (text: string) => ({ display: text !== '', text, color: theme.muted, font: { family: theme.fontFamily, size: theme.fontSize } });
  const grid = { color: theme.grid };
  return {
    /** Every chart: no animation (data arrives ~4×/s), sized by its container. */
    frame: { animation: false as const, responsive: true, maintainAspectRatio: false },
    ticks,
    grid,
    title,
    /** An axis with a title in the theme's type and colours. */
    axis: (text: string) => ({ title: title(text), ticks, grid }),
    legend: {
      position: 'bottom' as const,
      labels: { color: theme.fg, boxWidth: theme.fontSize, boxHeight: theme.fontSize, usePointStyle: true, font: { family: theme.fontFamily, size: theme.fontSize } },
    },
  };
}
