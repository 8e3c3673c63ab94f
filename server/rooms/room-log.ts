import type { Channel } from '../feed/channel.ts';
import type { OutcomeOf, Outcomes, RoomOperation } from './room-state.ts';

/** Applies one operation to a room's fold and answers its outcome. */
export type Apply = (op: RoomOperation) => Outcomes[keyof Outcomes];
export type CreateOperation = Extract<RoomOperation, { type: 'create' }>;
/** The ids that go out in a room's events before their operation is logged. */
export type IdKind = 'buzz' | 'cut' | 'stream';

/** The room ended (its log is gone) between the lookup and this request: 404, as for any unknown room. */
export class RoomEndedError extends Error {}

/**
 * A room's operations in order, applied to this instance's fold. In memory an operation is
 * applied at once; on Redis (server/rooms/redis-log.ts) it is appended to the room's stream,
 * which every instance serving the room folds, and `append` resolves once this instance's
 * fold applied it (a request reads its own write).
 */
export interface RoomLog {
  append<O extends RoomOperation>(op: O): Promise<OutcomeOf<O>>;
  /** An id no other buzz (cut, stream) of the room has, on any instance; increasing. */
  nextId(kind: IdKind): Promise<number>;
  /** Resolves once this fold holds every operation logged so far, so a read sees every answered write. */
  caughtUp(): Promise<void>;
  /** A request named the room: it stays alive for ROOM_IDLE_MS more, its channel too. `force`: now, unthrottled. */
  touch(channel: Channel, force?: boolean): void;
  /** False once the room ended (idle past ROOM_IDLE_MS; with Redis, on every instance). */
  isLive(): Promise<boolean>;
  /** This instance no longer serves the room. */
  close(): void;
}

/** Where rooms' logs live: how the registry opens a room and finds one it does not serve yet. */
export interface RoomLogs {
  /** A new room's log, its `create` applied; undefined when `code` is taken. */
  create(code: string, op: CreateOperation, apply: Apply): Promise<RoomLog | undefined>;
  /** The log of a room opened elsewhere, folded up to now and followed; undefined when there is none. */
  attach(code: string, apply: Apply): Promise<RoomLog | undefined>;
  close(): void;
}

/** One process (no REDIS_URL): the registry's map is every room there is. */
export class MemoryRoomLogs implements RoomLogs {
  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async create(_code: string, op: CreateOperation, apply: Apply): Promise<RoomLog> {
    const log = new MemoryRoomLog(apply, this.idleMs, this.now);
    await log.append(op);
    return log;
  }

  async attach(): Promise<undefined> {
    return undefined;
  }

  close(): void {}
}

class MemoryRoomLog implements RoomLog {
  private readonly ids: Record<IdKind, number> = { buzz: 0, cut: 0, stream: 0 };
  private lastActiveAt: number;

  constructor(
    private readonly apply: Apply,
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {
    this.lastActiveAt = now();
  }

  async append<O extends RoomOperation>(op: O): Promise<OutcomeOf<O>> {
    return this.apply(op) as OutcomeOf<O>;
  }

  async nextId(kind: IdKind): Promise<number> {
    return ++this.ids[kind];
  }

  async caughtUp(): Promise<void> {}

  touch(): void {
    this.lastActiveAt = this.now();
  }

  async isLive(): Promise<boolean> {
    return this.now() - this.lastActiveAt < this.idleMs;
  }

  close(): void {}
}
