// What the sequence diagram draws, kept apart from drawing: every request/connection and every
// delivered event of a small race, and the geometry of the window the playhead shows. Times are
// this browser's clock; the server's `at` is moved onto it with the measured clock offset.
import type { TransportName } from '../../protocol/feed.ts';
import { transportSpec } from '../../protocol/transports.ts';
import type { ClockEstimate } from './clock.ts';
import type { RaceLogEntry } from './recording.ts';

interface Span {
  kind: 'request' | 'connection';
  startedAt: number;
  endedAt: number | null;
  events: number;
  failed: boolean;
}

export class SequenceTimeline {
  readonly spans = new Map<TransportName, Map<number, Span>>();
  readonly deliveries = new Map<TransportName, { seq: number; t: number }[]>();
  /** seq → when it was published, on this browser's clock. */
  readonly published = new Map<number, number>();

  constructor(
    readonly lanes: readonly TransportName[],
    readonly startedAt: number,
    readonly clock: Pick<ClockEstimate, 'offsetMs'>,
  ) {
    for (const lane of lanes) {
      this.spans.set(lane, new Map());
      this.deliveries.set(lane, []);
    }
  }

  apply(entry: RaceLogEntry): void {
    if (entry.kind !== 'event' && entry.kind !== 'exchange') return;
    const lane = entry.lane as TransportName;
    if (!this.spans.has(lane)) return;
    if (entry.kind === 'event') {
      this.deliveries.get(lane)!.push({ seq: entry.seq, t: entry.t });
      if (!this.published.has(entry.seq)) this.published.set(entry.seq, entry.at - this.clock.offsetMs);
      return;
    }
    const { kind, startedAt, endedAt, events, failed } = entry.exchange;
    // The start and the end of one exchange arrive as two reports with the same startedAt.
    this.spans.get(lane)!.set(startedAt, { kind, startedAt, endedAt, events, failed: failed === true });
  }
}

export type Shape =
  | { kind: 'rail'; y: number; x1: number; x2: number }
  | { kind: 'arrow'; x1: number; y1: number; x2: number; y2: number; lane: TransportName; tone: 'request' | 'reply' | 'empty' | 'push' | 'failed' }
  | { kind: 'bar'; x: number; y: number; width: number; height: number; lane: TransportName; tone: 'held' | 'connection' }
  | { kind: 'label'; x: number; y: number; text: string; tone: 'count' | 'empty' | 'seq' | 'axis' | 'lane' | 'rail' }
  | { kind: 'guide'; x: number; y1: number; y2: number }
  | { kind: 'dot'; x: number; y: number };

export interface Layout {
  width: number;
  windowMs: number;
  /** The time at the right edge. */
  playhead: number;
  laneNames: Record<TransportName, string>;
  railNames: { browser: string; server: string };
  /** Caption of the top row, where the server publishes. */
  publishName: string;
}

export const PUBLISH_ROW = 44;
export const LANE_HEIGHT = 74;
export const AXIS_HEIGHT = 22;
/** Left of this x sit the rail names; time is drawn to the right of it (and clipped there). */
export const PLOT_LEFT = 60;

export const diagramHeight = (lanes: number) => PUBLISH_ROW + lanes * LANE_HEIGHT + AXIS_HEIGHT;

/** The shapes visible in [playhead − windowMs, playhead], in pixels. */
export function layoutShapes(timeline: SequenceTimeline, layout: Layout): Shape[] {
  const { width, windowMs, playhead } = layout;
  const left = 8;
  const right = width - 8;
  const from = playhead - windowMs;
  const x = (t: number) => PLOT_LEFT + ((t - from) / windowMs) * (right - PLOT_LEFT);
  const visible = (start: number, end: number) => end >= from && start <= playhead;
  const shapes: Shape[] = [];
  const bottom = PUBLISH_ROW + timeline.lanes.length * LANE_HEIGHT;
  shapes.push({ kind: 'label', x: left, y: 13, text: layout.publishName, tone: 'rail' });

  for (const [seq, at] of timeline.published) {
    if (!visible(at, at)) continue;
    shapes.push({ kind: 'guide', x: x(at), y1: PUBLISH_ROW - 10, y2: bottom }, { kind: 'dot', x: x(at), y: PUBLISH_ROW - 10 });
    shapes.push({ kind: 'label', x: x(at), y: PUBLISH_ROW - 17, text: `#${seq}`, tone: 'seq' });
  }

  timeline.lanes.forEach((lane, index) => {
    const top = PUBLISH_ROW + index * LANE_HEIGHT;
    const browserY = top + 26;
    const serverY = top + 62;
    shapes.push({ kind: 'label', x: left, y: top + 14, text: layout.laneNames[lane], tone: 'lane' });
    shapes.push({ kind: 'rail', y: browserY, x1: PLOT_LEFT, x2: right }, { kind: 'rail', y: serverY, x1: PLOT_LEFT, x2: right });
    shapes.push({ kind: 'label', x: left, y: browserY + 4, text: layout.railNames.browser, tone: 'rail' });
    shapes.push({ kind: 'label', x: left, y: serverY + 4, text: layout.railNames.server, tone: 'rail' });

    for (const span of timeline.spans.get(lane)!.values()) {
      if (span.startedAt > playhead) continue;
      const ended = span.endedAt !== null && span.endedAt <= playhead;
      const end = ended ? span.endedAt! : playhead;
      if (!visible(span.startedAt, end)) continue;
      const x0 = x(span.startedAt);
      const x1 = Math.max(x(end), x0 + 6);
      if (span.kind === 'connection') {
        shapes.push({ kind: 'arrow', x1: x0, y1: browserY, x2: x0 + 3, y2: serverY, lane, tone: 'request' });
        shapes.push({ kind: 'bar', x: x0 + 3, y: browserY + 4, width: Math.max(0, x1 - x0 - 3), height: serverY - browserY - 8, lane, tone: 'connection' });
        continue;
      }
      shapes.push({ kind: 'arrow', x1: x0, y1: browserY, x2: x0 + 3, y2: serverY, lane, tone: 'request' });
      // The server holds the request: a bar on its rail for as long as it stays open.
      if (x1 - x0 > 8) shapes.push({ kind: 'bar', x: x0 + 3, y: serverY - 4, width: x1 - x0 - 6, height: 8, lane, tone: 'held' });
      if (!ended) continue;
      const tone = span.failed ? 'failed' : span.events > 0 ? 'reply' : 'empty';
      shapes.push({ kind: 'arrow', x1: x1 - 3, y1: serverY, x2: x1, y2: browserY, lane, tone });
      // The count sits beside the reply's arrowhead, inside the lane (clear of the lane's name).
      if (!span.failed) shapes.push({ kind: 'label', x: Math.min(x1 + 4, right - 9), y: browserY + 12, text: String(span.events), tone: span.events > 0 ? 'count' : 'empty' });
    }
    // Pushed events: a tick from the server up to the browser inside the open connection.
    if (transportSpec(lane).kind !== 'poll') {
      for (const { t } of timeline.deliveries.get(lane)!) {
        if (t > playhead || t < from) continue;
        shapes.push({ kind: 'arrow', x1: x(t), y1: serverY - 4, x2: x(t), y2: browserY + 4, lane, tone: 'push' });
      }
    }
  });

  const firstSecond = Math.ceil((from - timeline.startedAt) / 1000);
  for (let s = Math.max(0, firstSecond); timeline.startedAt + s * 1000 <= playhead; s++) {
    shapes.push({ kind: 'label', x: x(timeline.startedAt + s * 1000), y: bottom + 16, text: `${s} s`, tone: 'axis' });
  }
  return shapes;
}
