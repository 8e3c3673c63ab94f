// The chat demo's connection to /ws/chat: join a room under a nickname, send text, and keep the
// room's messages and join/leave notices in arrival order (the server's order for everyone).

import type { ChatMessage } from '../../protocol/feed.ts';
import { socketUrl } from './bytes.ts';
import { chatPath } from './chat-room.ts';
import type { CaptureStatus } from './capture.svelte.ts';

export type ChatEntry = ChatMessage & { id: number };

const MAX_ENTRIES = 300;

export class ChatSession {
  status = $state<CaptureStatus>('idle');
  entries = $state.raw<ChatEntry[]>([]);
  members = $state(0);
  /** The nickname and room of the current (or last) connection. */
  name = $state('');
  room = $state('');
  closeCode = $state<number | null>(null);

  #ws: WebSocket | null = null;
  #nextId = 1;

  join(room: string, name: string): void {
    this.leave();
    this.room = room;
    this.name = name.trim();
    this.entries = [];
    this.members = 0;
    this.closeCode = null;
    this.status = 'connecting';
    const ws = new WebSocket(socketUrl(chatPath(room, name), location.origin));
    this.#ws = ws;
    ws.onopen = () => ws === this.#ws && (this.status = 'open');
    ws.onmessage = (event: MessageEvent<string>) => {
      if (ws !== this.#ws) return;
      const message = JSON.parse(event.data) as ChatMessage;
      if (message.type !== 'chat') this.members = message.members;
      const entries = [...this.entries, { ...message, id: this.#nextId++ }];
      this.entries = entries.length > MAX_ENTRIES ? entries.slice(-MAX_ENTRIES) : entries;
    };
    ws.onclose = (event) => {
      if (ws !== this.#ws) return;
      this.status = 'closed';
      this.closeCode = event.code;
    };
  }

  send(text: string): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN || text.trim() === '') return false;
    this.#ws.send(text);
    return true;
  }

  leave(): void {
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState < WebSocket.CLOSING) ws.close(1000, 'left the room');
    this.status = ws.readyState === WebSocket.CLOSED ? 'closed' : 'closing';
  }
}
