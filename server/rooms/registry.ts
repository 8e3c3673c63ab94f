import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';
import { HeldCounter } from '../guard/fair-use.ts';
import type { Refusal } from '../guard/errors.ts';
import { Room } from './room.ts';
import { newRoomCode, newTeacherKey } from './secrets.ts';

type RoomSettings = Pick<Config, 'roomIdleMs' | 'maxRooms' | 'roomsPerAddress' | 'roomMaxMembers' | 'roomPollIntervalMs'>;

/** A refusal to open another room suggests retrying after this long (rooms end when idle). */
const RETRY_ROOMS_S = 60;

/**
 * The live rooms by code, with their caps (MAX_ROOMS, ROOMS_PER_ADDRESS) and their end: a room
 * that nobody asked about for ROOM_IDLE_MS ends (its stream timer is cleared, its channel's
 * readers are cut and the channel is removed). One sweep timer runs only while rooms exist;
 * `close()` ends everything (shutdown).
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, { room: Room; release: () => void }>();
  private readonly perAddress: HeldCounter;
  private sweep: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly feed: Feed,
    private readonly settings: RoomSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.perAddress = new HeldCounter(settings.roomsPerAddress);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Timers the rooms hold (the sweep and running streams): 0 once every room has ended. */
  get activeTimers(): number {
    let timers = this.sweep ? 1 : 0;
    for (const { room } of this.rooms.values()) if (room.hasRunningStream) timers++;
    return timers;
  }

  get idleTimeoutMs(): number {
    return this.settings.roomIdleMs;
  }

  /** A new room opened from `address`, or the 429 to answer. */
  async create(address: string): Promise<Room | Refusal> {
    const retry = { 'Retry-After': String(RETRY_ROOMS_S) };
    if (this.closed) return { code: 'shutting_down', message: 'the server is shutting down' };
    if (this.rooms.size >= this.settings.maxRooms) return { code: 'too_many_rooms', message: 'too many live rooms; try again when one ends', headers: retry };
    const release = this.perAddress.acquire(address);
    if (!release) return { code: 'too_many_rooms', message: 'your address has too many live rooms; try again when one ends', headers: retry };
    let channel;
    try {
      channel = await this.feed.createRoomChannel();
    } catch (error) {
      release();
      throw error;
    }
    let code = newRoomCode();
    while (this.rooms.has(code)) code = newRoomCode();
    const room = new Room(
      code,
      newTeacherKey(),
      channel,
      this.feed,
      { maxMembers: this.settings.roomMaxMembers, pollIntervalMs: this.settings.roomPollIntervalMs },
      this.now,
    );
    this.rooms.set(code, { room, release });
    this.startSweep();
    return room;
  }

  /** The live room with this code (codes are case-insensitive for typing), touched as active. */
  get(code: string): Room | undefined {
    const entry = this.rooms.get(code.toUpperCase());
    entry?.room.touch();
    return entry?.room;
  }

  /** Ends every room (shutdown). */
  close(): void {
    this.closed = true;
    for (const code of [...this.rooms.keys()]) this.end(code);
  }

  private end(code: string): void {
    const entry = this.rooms.get(code);
    if (!entry) return;
    this.rooms.delete(code);
    entry.room.end();
    entry.release();
    this.feed.removeRoomChannel(entry.room.channel);
    if (this.rooms.size === 0) this.stopSweep();
  }

  private endIdleRooms(): void {
    const oldestActive = this.now() - this.settings.roomIdleMs;
    for (const [code, { room }] of [...this.rooms]) if (room.lastActiveAt <= oldestActive) this.end(code);
  }

  private startSweep(): void {
    if (this.sweep) return;
    // A quarter of the idle time (at most a minute): a room ends at most that late.
    this.sweep = setInterval(() => this.endIdleRooms(), Math.min(60_000, this.settings.roomIdleMs / 4));
    this.sweep.unref();
  }

  private stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
  }
}
