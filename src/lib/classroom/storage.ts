// What the classroom keeps in localStorage, so a refresh, a reopened tab or a phone that slept
// comes back to the same room as the same member. Every access tolerates storage being off
// (private modes, some in-app browsers): the page then works, it just forgets on reload.
import type { RoomCreated } from '../../protocol/rooms.ts';
import { newClientId } from '../transport/index.ts';

const KEYS = {
  /** Per locale: the zh and en projectors make join links in their own language. */
  lastRoom: (locale: string) => `classroom.lastRoom.${locale}`,
  teacher: (room: string) => `classroom.teacher.${room}`,
  client: 'classroom.client',
  nickname: 'classroom.nickname',
  cursor: (room: string) => `classroom.cursor.${room}`,
};

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage off: nothing survives a reload, which is all we lose */
  }
}

/** What the projector needs to drive a room again after a refresh. */
export type TeacherRoom = Pick<RoomCreated, 'room' | 'teacherKey' | 'channel' | 'joinUrl' | 'joinUrls' | 'reachable' | 'reason'>;

export function rememberTeacherRoom(room: TeacherRoom, locale: string): void {
  write(KEYS.teacher(room.room), JSON.stringify(room));
  write(KEYS.lastRoom(locale), room.room);
}

export function teacherRoom(room: string): TeacherRoom | null {
  try {
    return JSON.parse(read(KEYS.teacher(room)) ?? 'null') as TeacherRoom | null;
  } catch {
    return null;
  }
}

export const lastTeacherRoom = (locale: string) => read(KEYS.lastRoom(locale));

export function forgetTeacherRoom(room: string, locale: string): void {
  write(KEYS.teacher(room), null);
  if (read(KEYS.lastRoom(locale)) === room) write(KEYS.lastRoom(locale), null);
}

/** One id per phone for every room: the server counts a member by it, never twice. */
export function phoneClientId(): string {
  const known = read(KEYS.client);
  if (known) return known;
  const fresh = newClientId('phone');
  write(KEYS.client, fresh);
  return fresh;
}

export const nickname = () => read(KEYS.nickname) ?? '';
export const rememberNickname = (name: string) => write(KEYS.nickname, name.trim() || null);

/** The phone's place in the room's feed, so a reload resumes without loss. */
export const savedCursor = (room: string) => read(KEYS.cursor(room)) ?? undefined;
export const saveCursor = (room: string, cursor: string | undefined) => cursor && write(KEYS.cursor(room), cursor);
