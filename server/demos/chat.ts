import type { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import { z } from 'zod';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import type { ChatMessage } from '../../src/protocol/feed.ts';
import { parseValues } from '../guard/query.ts';
import { mountSocket, rawSocket, sendOrShed } from '../transports/socket-helpers.ts';
import type { TransportDeps } from '../transports/types.ts';

const chatQuerySchema = z.object({
  room: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters [A-Za-z0-9_-]').default('lobby'),
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(32, 'must be at most 32 characters')
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters')
    .default('guest'),
});

type Member = WSContext<WebSocketLike>;

/** A chat line is for people: longer text closes with 1009 instead of being sent to the whole room. */
export const CHAT_MAX_TEXT_BYTES = 4096;

/**
 * The articles' chat room: every text message is broadcast to the room (sender included, so
 * everyone sees the same order) as `{"type":"chat","from","text","at"}`, with join/leave notices.
 */
export function mountChat(app: Hono, deps: TransportDeps): void {
  const rooms = new Map<string, Set<Member>>();
  // Encoded once per message; a member who stopped reading is closed (1013), not buffered for.
  const broadcast = (room: Set<Member>, message: ChatMessage) => {
    const text = Buffer.from(JSON.stringify(message));
    for (const member of room) sendOrShed(rawSocket(member), text, deps.config.sendBufferMaxBytes);
  };

  mountSocket(app, '/ws/chat', deps, (query) => {
    const parsed = parseValues(query, chatQuerySchema);
    if (!parsed.ok) return parsed.refusal;
    const { room: roomName, name } = parsed.value;
    let room = new Set<Member>();
    return {
      onOpen(_event, ws) {
        room = rooms.get(roomName) ?? room;
        rooms.set(roomName, room.add(ws));
        broadcast(room, { type: 'join', name, at: Date.now(), members: room.size });
      },
      onMessage(event, ws) {
        if (typeof event.data !== 'string') return ws.close(CLOSE_CODES.unsupportedData, 'chat takes text only');
        if (Buffer.byteLength(event.data) > CHAT_MAX_TEXT_BYTES) return ws.close(CLOSE_CODES.messageTooBig, `chat lines are at most ${CHAT_MAX_TEXT_BYTES} bytes`);
        broadcast(room, { type: 'chat', from: name, text: event.data, at: Date.now() });
      },
      onClose(_event, ws) {
        room.delete(ws);
        if (room.size === 0) rooms.delete(roomName);
        else broadcast(room, { type: 'leave', name, at: Date.now(), members: room.size });
      },
    };
  });
}
