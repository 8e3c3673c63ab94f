// The race island's state, as runes: what phase the race is in and a view of everything measured,
// republished at most four times a second so the charts and table redraw without jank however
// fast events arrive. Live runs and replays feed the same RaceData.
import { whileVisible } from '../page/lifecycle.ts';
import { tabPresence } from '../page/presence.ts';
import { serverVerdict } from '../page/server-probe.ts';
import { nowMs } from '../transport/types.ts';
import { ServerRefusedError, ServerUnreachableError } from './api.ts';
import { idleView, RaceData, type RaceStart, type RaceView } from './race-data.ts';
import { shiftEntry, type LaneSpec, type RaceRecording } from './recording.ts';
import { RaceRun, type RaceTarget, type RunOptions, type RunPhase } from './runner.ts';

export type RacePhase = 'idle' | RunPhase | 'done' | 'offline' | 'busy' | 'error';

/** Redraws per second at most (the issue asks for ~4/s). */
const PUBLISH_EVERY_MS = 250;

/** An island's root element, through which the recording script reads a finished run. */
export type RecordableElement = HTMLElement & { raceRecording?: () => RaceRecording | null };

export class RaceMetrics implements RaceTarget {
  phase = $state<RacePhase>('idle');
  errorMessage = $state('');
  /** When the figures come from a recording: its date. Null for a live race. */
  replayRecordedAt = $state<string | null>(null);
  channel = $state('');
  /** Why a run ended before its time: the reader's Stop, or the page going to the background. */
  stoppedBy = $state<'reader' | 'hidden' | null>(null);
  /** Other tabs of the site holding connections now (BroadcastChannel), and the most seen during this run. */
  otherTabs = $state(0);
  contendedBy = $state(0);
  view = $state.raw<RaceView>(idleView([], 0));

  private data: RaceData | null = null;
  private run: RaceRun | null = null;
  private replayTimer: ReturnType<typeof setInterval> | undefined;
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPublish = 0;

  constructor(lanes: LaneSpec[], expected: number) {
    this.view = idleView(lanes, expected);
  }

  get busy(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'settling';
  }

  /** Runs a live race; ends in 'done', or 'offline' / 'busy' / 'error' when it can't start. */
  async start(options: RunOptions): Promise<void> {
    this.reset(options.lanes, 0);
    const run = (this.run = new RaceRun(options, this));
    // Other tabs measure this tab's connections as contention, as it measures theirs.
    const presence = tabPresence();
    presence?.ask();
    const unhold = presence?.hold();
    this.contendedBy = this.otherTabs;
    try {
      await run.run();
      if (!run.cancelled) this.setPhase('done');
    } catch (error) {
      if (run.cancelled) return;
      run.cancel();
      if (error instanceof ServerUnreachableError) this.phase = 'offline';
      else if (error instanceof ServerRefusedError && error.status === 429) this.phase = 'busy';
      else {
        this.phase = 'error';
        this.errorMessage = error instanceof Error ? error.message : String(error);
      }
    } finally {
      unhold?.();
    }
  }

  /** Ends a live race or a replay early, keeping what was measured. */
  stop(by: 'reader' | 'hidden' = 'reader'): void {
    if (this.busy) this.stoppedBy = by;
    if (this.replayTimer !== undefined) this.endReplay();
    this.run?.stop();
  }

  /** Throws away the current race (or replay) and shows empty lanes. */
  reset(lanes: LaneSpec[], expected: number): void {
    this.run?.cancel();
    this.run = null;
    clearInterval(this.replayTimer);
    this.replayTimer = undefined;
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    this.data = null;
    this.channel = '';
    this.errorMessage = '';
    this.replayRecordedAt = null;
    this.stoppedBy = null;
    this.contendedBy = 0;
    this.phase = 'idle';
    this.view = idleView(lanes, expected);
  }

  /**
   * Plays a recorded race in real time through the same RaceData a live race uses. Lanes not in
   * `laneIds` (a focused mode shows two lanes) are left out.
   */
  replay(recording: RaceRecording, laneIds: string[]): void {
    const lanes = recording.lanes.filter((lane) => laneIds.includes(lane.id));
    this.reset(lanes, recording.expectedEvents);
    const delta = nowMs() - recording.startedAt;
    const entries = recording.log.map((entry) => shiftEntry(entry, delta));
    this.replayRecordedAt = recording.recordedAt;
    this.begin({ ...recording, lanes, startedAt: recording.startedAt + delta });
    this.phase = 'running';
    let next = 0;
    this.replayTimer = setInterval(() => {
      const now = nowMs();
      while (next < entries.length && entries[next]!.t <= now) this.apply(entries[next++]!);
      if (next >= entries.length) this.endReplay();
    }, 50);
  }

  /** What this race measured, for scripts/record-race.ts (null before a live race ends). */
  recording(): RaceRecording | null {
    return this.phase === 'done' && !this.replayRecordedAt && this.data ? this.data.toRecording(new Date()) : null;
  }

  // RaceTarget: what RaceRun reports.
  /**
   * The island's lifetime: lets scripts/record-race.ts read the finished run from the element,
   * says at once when there is no server (a static-only copy of the site) rather than after
   * Start, and stops everything when the island goes away. Use as `onMount(() => metrics.attach(el))`.
   */
  attach(element: RecordableElement): () => void {
    element.raceRecording = () => this.recording();
    void serverVerdict().then((verdict) => {
      if (verdict === 'absent' && this.phase === 'idle') this.phase = 'offline';
    });
    const unwatch = tabPresence()?.watch((n) => {
      this.otherTabs = n;
      if (this.busy && !this.replayRecordedAt) this.contendedBy = Math.max(this.contendedBy, n);
    });
    // A hidden page holds no connections: a live race stops there (its figures stay, marked stopped).
    const unwatchPage = whileVisible({ resume: () => {}, release: () => this.busy && !this.replayRecordedAt && this.stop('hidden') }, document, false);
    return () => {
      unwatch?.();
      unwatchPage();
      this.reset([], 0);
    };
  }

  setPhase(phase: RunPhase | 'done'): void {
    this.phase = phase;
    if (phase === 'done') this.publish();
  }

  begin(start: RaceStart): void {
    this.data = new RaceData(start);
    this.channel = start.channel;
    this.publish();
  }

  apply(entry: Parameters<RaceData['apply']>[0]): void {
    if (!this.data) return;
    this.data.apply(entry);
    if (entry.kind === 'ledger' && entry.final) this.publish();
    else this.schedulePublish();
  }

  allReceived(): boolean {
    return this.data?.allReceived() ?? false;
  }

  finish(at: number): void {
    this.data?.finish(at);
    this.publish();
  }

  private endReplay(): void {
    clearInterval(this.replayTimer);
    this.replayTimer = undefined;
    this.finish(nowMs());
    this.setPhase('done');
  }

  private schedulePublish(): void {
    if (this.publishTimer !== undefined) return;
    const wait = Math.max(0, PUBLISH_EVERY_MS - (nowMs() - this.lastPublish));
    this.publishTimer = setTimeout(() => this.publish(), wait);
  }

  private publish(): void {
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    if (!this.data) return;
    this.lastPublish = nowMs();
    this.view = this.data.view(this.lastPublish);
  }
}
