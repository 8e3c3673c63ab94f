// The chat demo on a cluster: a room is a named channel of the shared feed, so members on
// different instances are in the same room, see the same lines in the same order and the
// room's member count across instances.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatMessage } from '../../src/protocol/feed.ts';
import { clusterSettings, FEED_BACKENDS } from '../helpers/feed-backends.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';

function member(baseUrl: string, name: string) {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws/chat?room=across&name=${name}`);
  const heard: ChatMessage[] = [];
  socket.on('message', (data) => heard.push(JSON.parse(String(data)) as ChatMessage));
  const open = new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  return { socket, heard, open };
}

describe('the chat on a cluster', () => {
  it('puts members on different instances in one room, in one order, with one member count', async () => {
    const settings = await clusterSettings();
    const servers = [await startTestServer(settings), await startTestServer(settings)];
    try {
      const ann = member(servers[0]!.url, 'ann');
      await ann.open;
      await waitFor(() => ann.heard.some((m) => m.type === 'join' && m.name === 'ann'), 5000, 'ann to hear her own join');
      const bob = member(servers[1]!.url, 'bob');
      await bob.open;
      await waitFor(() => ann.heard.some((m) => m.type === 'join' && m.name === 'bob'), 5000, 'ann to hear bob join on the other instance');
      expect(ann.heard.find((m) => m.type === 'join' && m.name === 'bob')).toMatchObject({ members: 2 });
      for (let i = 0; i < 5; i++) (i % 2 ? bob : ann).socket.send(`line ${i}`);
      const lines = (heard: ChatMessage[]) => heard.filter((m) => m.type === 'chat').map((m) => (m.type === 'chat' ? `${m.from}: ${m.text}` : ''));
      await waitFor(() => lines(ann.heard).length === 5 && lines(bob.heard).length === 5, 5000, 'both to hear all five lines');
      expect(lines(bob.heard)).toEqual(lines(ann.heard));
      bob.socket.close();
      await waitFor(() => ann.heard.some((m) => m.type === 'leave'), 5000, 'ann to hear bob leave');
      expect(ann.heard.find((m) => m.type === 'leave')).toMatchObject({ name: 'bob', members: 1 });
      ann.socket.close();
      // Each instance lets go of the room (its Redis reading connection) when its last member leaves.
      await waitFor(() => servers.every((server) => server.feed.get('chat-across') === undefined), 5000, 'both instances to release the room');
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it.each(FEED_BACKENDS.map((backend) => [backend.name, backend] as const))('keeps a chat room out of the feed\'s endpoints (%s feed)', async (_name, backend) => {
    const feed = await backend.start();
    try {
      const ann = member(feed.servers[0]!.url, 'ann');
      await ann.open;
      await waitFor(() => ann.heard.length > 0, 5000, 'ann to join');
      for (const server of feed.servers) {
        const reply = await fetch(`${server.url}/api/short-poll?channel=chat-across`);
        expect(reply.status).toBe(404);
      }
      ann.socket.close();
    } finally {
      await feed.close();
    }
  });
});
