import { ROOM_CODE_PATTERN } from '../../src/protocol/rooms.ts';
import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';
import { HeldCounter } from '../guard/fair-use.ts';
import type { Refusal } from '../guard/errors.ts';
import { Room } from './room.ts';
import { MemoryRoomLogs, type RoomLogs } from './room-log.ts';
import { RoomState } from './room-state.ts';
import { newRoomCode, newTeacherKey } from './secrets.ts';

type RoomSettings = Pick<Config, 'roomIdleMs' | 'maxRooms' | 'roomsPerAddress' | 'roomMaxMembers' | 'roomPollIntervalMs'>;

/** A refusal to open another room suggests retrying after this long (rooms end when idle). */
const RETRY_ROOMS_S = 60;

interface Entry {
  room: Room;
  /** Gives back the opener's hold on the caps; null for a room opened through another instance. */
  release: (() => void) | null;
}

/**
 * The rooms this instance serves, by code, with their caps (MAX_ROOMS, ROOMS_PER_ADDRESS: the
 * rooms opened through this instance) and their end. A room is the fold of its log (`logs`:
 * in memory, or on Redis where every instance serving a room folds the same log): `get` of a
 * room another instance opened attaches it from its log. A room nobody asked about for
 * ROOM_IDLE_MS ends: the log says when (`isLive`), the sweep then clears its stream timer, cuts
 * its channel's readers and removes the channel. One sweep timer runs only while rooms exist;
 * `close()` lets go of every room (shutdown; in a cluster the rooms live on elsewhere).
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Entry>();
  private readonly attaching = new Map<string, Promise<Room | undefined>>();
  private readonly perAddress: HeldCounter;
  private openedHere = 0;
  private sweep: NodeJS.Timeout | null = null;
  private sweeping = false;
  private closed = false;

  constructor(
    private readonly feed: Feed,
    private readonly settings: RoomSettings,
    private readonly logs: RoomLogs = new MemoryRoomLogs(settings.roomIdleMs),
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
    if (this.openedHere >= this.settings.maxRooms) return { code: 'too_many_rooms', message: 'too many live rooms; try again when one ends', headers: retry };
    const release = this.perAddress.acquire(address);
    if (!release) return { code: 'too_many_rooms', message: 'your address has too many live rooms; try again when one ends', headers: retry };
    this.openedHere++;
    const releaseHold = () => {
      this.openedHere--;
      release();
    };
    try {
      const room = await this.open();
      this.add(room, releaseHold);
      room.touch();
      return room;
    } catch (error) {
      releaseHold();
      throw error;
    }
  }

  /**
   * The live room with this code (codes are case-insensitive for typing), touched as active;
   * a room opened through another instance is attached once however many ask at the same time.
   */
  async get(typed: string): Promise<Room | undefined> {
    const code = typed.toUpperCase();
    if (!ROOM_CODE_PATTERN.test(code)) return undefined;
    let room = this.rooms.get(code)?.room;
    if (room && this.feed.get(room.channel.id) !== room.channel) {
      // Its channel ended: another instance found the room idle first (its sweep publishes the channel's end).
      this.end(code, false);
      room = undefined;
    }
    if (!room && !this.closed) {
      let pending = this.attaching.get(code);
      if (!pending) {
        pending = this.attach(code).finally(() => this.attaching.delete(code));
        this.attaching.set(code, pending);
      }
      room = await pending;
    }
    room?.touch();
    return room;
  }

  /** Lets go of every room this instance serves (shutdown). The rooms themselves end when idle. */
  close(): void {
    this.closed = true;
    for (const code of [...this.rooms.keys()]) this.end(code, false);
    this.logs.close();
  }

  /** A room with a fresh code: its channel, then its log's `create`. */
  private async open(): Promise<Room> {
    const channel = await this.feed.createRoomChannel();
    try {
      for (;;) {
        const code = newRoomCode();
        if (this.rooms.has(code)) continue;
        const state = new RoomState();
        const create = { type: 'create', teacherKey: newTeacherKey(), channel: channel.id, pollIntervalMs: this.settings.roomPollIntervalMs, maxMembers: this.settings.roomMaxMembers } as const;
        const log = await this.logs.create(code, create, (op) => state.apply(op));
        if (log) return new Room(code, create.teacherKey, channel, log, state, this.feed);
      }
    } catch (error) {
      this.feed.removeRoomChannel(channel);
      throw error;
    }
  }

  /** A room another instance opened: its log folded up to now, and its channel. */
  private async attach(code: string): Promise<Room | undefined> {
    const state = new RoomState();
    const log = await this.logs.attach(code, (op) => state.apply(op));
    if (!log) return undefined;
    const settings = state.settings;
    let channel;
    try {
      channel = settings && (await this.feed.open(settings.channel, null));
    } catch (error) {
      log.close();
      throw error;
    }
    if (!settings || !channel || this.closed) {
      log.close(); // its `create` was trimmed, or its channel is gone: the room cannot be served
      return undefined;
    }
    const room = new Room(code, settings.teacherKey, channel, log, state, this.feed);
    this.add(room, null);
    return room;
  }

  private add(room: Room, release: (() => void) | null): void {
    this.rooms.set(room.code, { room, release });
    this.startSweep();
  }

  /** `everywhere`: the room ended (its channel goes for every instance); else only this instance lets go. */
  private end(code: string, everywhere: boolean): void {
    const entry = this.rooms.get(code);
    if (!entry) return;
    this.rooms.delete(code);
    entry.room.end();
    entry.release?.();
    if (everywhere) this.feed.removeRoomChannel(entry.room.channel);
    if (this.rooms.size === 0) this.stopSweep();
  }

  private async endIdleRooms(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [code, { room }] of [...this.rooms]) {
        if (!(await room.log.isLive()) && this.rooms.get(code)?.room === room) this.end(code, true);
      }
    } finally {
      this.sweeping = false;
    }
  }

  private startSweep(): void {
    if (this.sweep) return;
    // A quarter of the idle time (at most a minute): a room ends at most that late.
    this.sweep = setInterval(() => void this.endIdleRooms(), Math.min(60_000, this.settings.roomIdleMs / 4));
    this.sweep.unref();
  }

  private stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
  }
}
