// Room names, nicknames and the shareable link of the chat demo: the same rules the server's
// /ws/chat query check applies (server/demos/chat.ts), so the page refuses what it would refuse.

import type { Locale } from '../../i18n/ui.ts';

export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** The element the share link scrolls to, so the demo is visible (and hydrates) on arrival. */
export const CHAT_ANCHOR = 'chat-demo';

export const isValidRoom = (room: string): boolean => ROOM_PATTERN.test(room);

/** 1–32 characters after trimming, no control characters (as the server checks). */
export function isValidNick(name: string): boolean {
  const trimmed = name.trim();
  return trimmed.length >= 1 && trimmed.length <= 32 && !/[\u0000-\u001f\u007f]/.test(trimmed);
}

const randomDigits = (count: number, random: () => number) =>
  Array.from({ length: count }, () => Math.floor(random() * 10)).join('');

/** A fresh room nobody else is likely to be in: "room-4821". */
export function randomRoom(random: () => number = Math.random): string {
  return `room-${randomDigits(4, random)}`;
}

export function randomNick(lang: Locale, random: () => number = Math.random): string {
  return `${lang === 'zh' ? '访客' : 'guest'}${randomDigits(3, random)}`;
}

/** The room named in a page URL's query (?room=…), if it is a valid one. */
export function roomFromUrl(search: string): string | null {
  const room = new URLSearchParams(search).get('room');
  return room !== null && isValidRoom(room) ? room : null;
}

/** A link to this lesson that opens the chat demo in the same room. */
export function shareLink(origin: string, pathname: string, room: string): string {
  return `${origin}${pathname}?room=${encodeURIComponent(room)}#${CHAT_ANCHOR}`;
}

/** The /ws/chat URL path for a room and nickname. */
export function chatPath(room: string, name: string): string {
  return `/ws/chat?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name.trim())}`;
}
