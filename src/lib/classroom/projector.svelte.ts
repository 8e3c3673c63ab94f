// The teacher's projector: opens a room or comes back to the one it had (the teacher key is
// kept per room in localStorage, or arrives in a control link's #key), polls the aggregate
// about once a second, keeps a few seconds of ledgers to turn into rates, and runs the
// teacher's actions.
import { joinPath, type RoomAggregate, type RoomLocale } from '../../protocol/rooms.ts';
import type { TransportFigures } from '../../protocol/feed.ts';
import type { TransportName } from '../../protocol/transports.ts';
import { createRoom, fetchAggregate, isGone, ServerRefusedError, ServerUnreachableError, teacherAction, type TeacherBodies } from './api.ts';
import { ledgerRates, type LedgerRates } from './figures.ts';
import { forgetTeacherRoom, lastTeacherRoom, rememberTeacherRoom, teacherRoom, type TeacherRoom } from './storage.ts';

export type ProjectorPhase = 'idle' | 'opening' | 'open' | 'offline' | 'busy' | 'error';
export type ProjectorView = 'buzz' | 'stream' | 'cut' | 'question';

const POLL_EVERY_MS = 1000;
/** Rates average over this window, so one late poll does not make the numbers jump. */
const RATE_WINDOW_MS = 3000;

export class Projector {
  phase = $state<ProjectorPhase>('idle');
  message = $state('');
  /** A remembered room that ended while the page was closed. */
  endedRoom = $state<string | null>(null);
  room = $state.raw<TeacherRoom | null>(null);
  aggregate = $state.raw<RoomAggregate | null>(null);
  rates = $state.raw<Record<TransportName, LedgerRates> | null>(null);
  view = $state<ProjectorView>('buzz');
  actionError = $state('');
  /** The big join panel; it folds into a strip at the first action, so the results fit the screen. */
  joinExpanded = $state(true);

  private ledgers: { at: number; ledger: Record<TransportName, TransportFigures> }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly locale: RoomLocale) {}

  /** A control link (`?room=CODE#key=…`) or the room this browser opened last, if it still exists. */
  async resume(location: Location): Promise<void> {
    const fromLink = new URLSearchParams(location.search).get('room')?.toUpperCase();
    const key = new URLSearchParams(location.hash.slice(1)).get('key');
    const code = fromLink ?? lastTeacherRoom(this.locale);
    if (!code) return;
    const known = teacherRoom(code);
    if (fromLink && key && known?.teacherKey !== key) {
      // A control link on another device: it knows the code and key. It was made with an origin
      // phones can reach, the one this page came from, so the join URL is on that origin too.
      const joinUrl = `${location.origin}${joinPath(this.locale, code)}`;
      rememberTeacherRoom({ room: code, teacherKey: key, channel: '', joinUrl, joinUrls: [joinUrl], reachable: true }, this.locale);
    }
    const stored = teacherRoom(code);
    if (!stored) return;
    try {
      const aggregate = await fetchAggregate(code);
      this.enter({ ...stored, channel: aggregate.channel }, aggregate);
    } catch (error) {
      if (isGone(error)) {
        forgetTeacherRoom(code, this.locale);
        this.endedRoom = code;
      } else this.fail(error);
    }
  }

  async open(): Promise<void> {
    this.phase = 'opening';
    this.endedRoom = null;
    try {
      const created = await createRoom(this.locale);
      rememberTeacherRoom(created, this.locale);
      this.enter(created, await fetchAggregate(created.room));
    } catch (error) {
      this.fail(error);
    }
  }

  /** Forgets this room on this browser and opens a fresh one (the old one expires on its own). */
  async openNew(): Promise<void> {
    if (this.room) forgetTeacherRoom(this.room.room, this.locale);
    this.stop();
    this.room = null;
    this.aggregate = null;
    await this.open();
  }

  async act<A extends keyof TeacherBodies>(action: A, body: TeacherBodies[A], view?: ProjectorView): Promise<boolean> {
    if (!this.room) return false;
    if (view) this.view = view;
    this.actionError = '';
    this.joinExpanded = false;
    try {
      await teacherAction(this.room.room, this.room.teacherKey, action, body);
      void this.poll();
      return true;
    } catch (error) {
      this.actionError = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  /** A link that drives this room from another device (the teacher's phone): keep it private. */
  get controlLink(): string {
    if (!this.room) return '';
    return `${new URL(this.room.joinUrl).origin}/${this.locale}/classroom/?room=${this.room.room}#key=${encodeURIComponent(this.room.teacherKey)}`;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enter(room: TeacherRoom, aggregate: RoomAggregate): void {
    this.room = room;
    this.phase = 'open';
    this.take(aggregate);
    this.stop();
    this.timer = setTimeout(() => void this.poll(), POLL_EVERY_MS);
  }

  private async poll(): Promise<void> {
    if (!this.room) return;
    clearTimeout(this.timer);
    try {
      this.take(await fetchAggregate(this.room.room));
    } catch (error) {
      if (isGone(error)) {
        forgetTeacherRoom(this.room.room, this.locale);
        this.endedRoom = this.room.room;
        this.room = null;
        this.phase = 'idle';
        return;
      }
      // A missed poll (Wi-Fi hiccup) is retried at the next tick; the room is still there.
    }
    this.timer = setTimeout(() => void this.poll(), POLL_EVERY_MS);
  }

  private take(aggregate: RoomAggregate): void {
    this.aggregate = aggregate;
    const now = performance.now();
    this.ledgers = [...this.ledgers.filter((entry) => now - entry.at <= RATE_WINDOW_MS), { at: now, ledger: aggregate.ledger }];
    const oldest = this.ledgers[0]!;
    if (this.ledgers.length > 1) this.rates = ledgerRates(oldest.ledger, aggregate.ledger, (now - oldest.at) / 1000);
  }

  private fail(error: unknown): void {
    if (error instanceof ServerUnreachableError) this.phase = 'offline';
    else if (error instanceof ServerRefusedError && error.status === 429) this.phase = 'busy';
    else {
      this.phase = 'error';
      this.message = error instanceof Error ? error.message : String(error);
    }
  }
}
