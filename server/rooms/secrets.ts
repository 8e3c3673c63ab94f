import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { ROOM_CODE_ALPHABET, ROOM_CODE_LENGTH } from '../../src/protocol/rooms.ts';

/** A room code from the unambiguous alphabet (31^5 ≈ 28.6 million codes). */
export function newRoomCode(): string {
  let code = '';
  for (let i = 0; i < ROOM_CODE_LENGTH; i++) code += ROOM_CODE_ALPHABET[randomInt(ROOM_CODE_ALPHABET.length)];
  return code;
}

/** 128 random bits: the teacher's key to drive a room. */
export const newTeacherKey = () => randomBytes(16).toString('base64url');

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether `Authorization: Bearer <key>` names this room's key. Both sides are hashed to the
 * same length first, so the comparison takes the same time whatever the guess (no timing
 * oracle on the key's prefix, and no length leak from timingSafeEqual's length check).
 */
export function isTeacher(teacherKey: string, authorization: string | undefined): boolean {
  const given = /^Bearer\s+(\S{1,256})$/i.exec(authorization ?? '')?.[1];
  if (given === undefined) return false;
  return timingSafeEqual(digest(teacherKey), digest(given));
}
