import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FeedEvent, FeedSocketMessage } from '../../src/protocol/feed.ts';
import { transportSpec, transportsOfKind } from '../../src/protocol/transports.ts';
import type { RunningServer } from '../../server/server.ts';
import { startReader } from '../helpers/feed-readers.ts';
import { heldBytes, startChildServer, type ChildServer } from '../helpers/hostile-child.ts';
import { mib, MiB, RawConnection, requestBytes } from '../helpers/hostile-raw.ts';
import { parseStreamResponse } from '../helpers/stream-parsers.ts';
import { clientFrame, closeFrameOf, framesOf, OPCODES, rawWebSocket, type RawWebSocket } from '../helpers/hostile-ws.ts';
import { sleep, startTestServer, waitFor } from '../helpers/server.ts';

// A reader that stops reading used to make the server buffer for it without limit: every event
// of a 64 KiB-payload channel (3.2 MB/s at one event per 20 ms) was stringified and queued per
// socket, so a few paused tabs could exhaust the server's memory. Now a reader is not written to
// while its unsent bytes are at sendBufferMaxBytes, and one that stays there slowConsumerMs is
// closed (WebSocket 1013, a stream cut) and resumes from its cursor with nothing lost.
const SLOW_CONSUMER_MS = 1000;
const SEND_BUFFER_MAX_BYTES = 1 * MiB;
const EVENT_PAYLOAD = 65536;

const seqsOf = (events: FeedEvent[]) => events.map((event) => event.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Text messages a raw /ws/feed socket received. */
const feedMessages = (ws: RawWebSocket) =>
  framesOf(ws)
    .filter((frame) => frame.opcode === OPCODES.text)
    .map((frame) => JSON.parse(frame.payload.toString()) as FeedSocketMessage);

describe('backpressure: readers that stop reading', () => {
  let server: ChildServer;
  const createChannel = async (durationMs: number) => {
    const response = await fetch(`${server.url}/api/channels`, {
      method: 'POST',
      body: JSON.stringify({ intervalMs: 20, payloadBytes: EVENT_PAYLOAD, durationMs }),
    });
    return ((await response.json()) as { channel: string }).channel;
  };
  const latestSeq = async (channel: string) =>
    Number(((await (await fetch(`${server.url}/api/short-poll?channel=${channel}`)).json()) as { cursor: string }).cursor.split('-')[1]);

  /** 150 events of 64 KiB (9.4 MiB), created at the start and ended by the time it is read. */
  let fullChannel = '';
  const FULL_TOTAL = 150;

  beforeAll(async () => {
    server = await startChildServer({
      slowConsumerMs: SLOW_CONSUMER_MS,
      sendBufferMaxBytes: SEND_BUFFER_MAX_BYTES,
      // Big enough that no event leaves the buffer during a test: a resumed reader gets them all.
      bufferMaxBytes: 256 * MiB,
      bufferMaxEvents: 100_000,
      // Raw clients don't answer pings; keep the keep-alive out of these tests.
      wsPingIntervalMs: 60_000,
      wsMessagesPerSecondPerAddress: 100_000,
      requestsPerSecondPerAddress: 100_000,
    });
    fullChannel = await createChannel(FULL_TOTAL * 20);
  });
  afterAll(() => server.kill());

  it('closes a paused WebSocket feed reader with 1013, and it resumes from its last cursor with no loss', async () => {
    const total = 200; // 4 s of 64 KiB events, 12.5 MiB
    const channel = await createChannel(total * 20);
    // A backlog (6.2 MiB) bigger than the kernel's socket buffers and the cap, so the reader is stuck at once.
    await waitFor(async () => (await latestSeq(channel)) >= 100, 10_000, '100 events');
    const paused = await rawWebSocket(server.port, `/ws/feed?channel=${channel}&after=0`, { pauseAfterHandshake: true });
    const pausedAt = performance.now();
    expect(paused.upgraded).toBe(true);
    try {
      // Past slowConsumerMs, inside the 2 s the server gives a closed reader to take its close frame.
      await sleep(SLOW_CONSUMER_MS + 800);
      paused.resume();
      const code = await closeFrameOf(paused);
      const messages = feedMessages(paused);
      const events = messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
      const lastSeq = events.at(-1)?.seq ?? 0;
      console.log(
        `paused websocket: close frame ${code} read ${(performance.now() - pausedAt).toFixed(0)} ms after it paused; ` +
          `it got ${events.length} events (${mib(paused.receivedBytes)}) of ${await latestSeq(channel)} published`,
      );
      expect(code).toBe(1013);
      expect(messages[0]).toMatchObject({ type: 'start', resync: false });
      expect(seqsOf(events)).toEqual(range(1, lastSeq));
      // Cut short: the events it did not take are still to come.
      expect(lastSeq).toBeLessThan(total);

      // Resume from the last cursor it got, as a client does on 1013.
      const feedId = (messages[0] as { cursor: string }).cursor.split('-')[0];
      const reader = startReader('websocket', { baseUrl: server.url, channel, client: 'resumed', after: `${feedId}-${lastSeq}` });
      try {
        await waitFor(() => reader.log.events.at(-1)?.seq === total, 15_000, 'the resumed reader to reach the end');
        expect(reader.log.resyncs).toBe(0);
        expect(seqsOf([...events, ...reader.log.events])).toEqual(range(1, total));
      } finally {
        await reader.stop();
      }
    } finally {
      paused.destroy();
    }
  });

  it.each(transportsOfKind('stream'))('cuts a paused %s reader, which resumes from its cursor and loses nothing; a reading one is not cut', async (transport) => {
    const total = 200;
    const channel = await createChannel(total * 20);
    await waitFor(async () => (await latestSeq(channel)) >= 100, 10_000, '100 events');
    const reading = startReader(transport, { baseUrl: server.url, channel, client: 'reading', after: '0' });
    const paused = new RawConnection(server.port);
    try {
      await paused.connected;
      await paused.write(requestBytes({ target: `${transportSpec(transport).path}?channel=${channel}&after=0` }));
      await paused.until(() => paused.receivedBytes > 0, 5000, 'the stream to open');
      paused.pause();
      await sleep(SLOW_CONSUMER_MS + 800);
      paused.resume();
      const closedAfter = await paused.waitClosed(5000);
      const { events, resyncs, cursor } = parseStreamResponse(paused.received)!;
      console.log(`paused ${transport}: cut (closed ${closedAfter === null ? 'never' : 'by the server'}), it got ${events.length} events (${mib(paused.receivedBytes)}), last cursor ${cursor}`);
      expect(closedAfter).not.toBeNull();
      expect(resyncs).toBe(0);
      expect(seqsOf(events)).toEqual(range(1, events.length));
      expect(events.length).toBeLessThan(total);
      expect(cursor).toMatch(new RegExp(`-${events.length}$`));

      const resumed = startReader(transport, { baseUrl: server.url, channel, client: `resumed-${transport}`, after: cursor });
      try {
        await waitFor(() => resumed.log.events.at(-1)?.seq === total, 15_000, 'the resumed reader to reach the end');
        expect(resumed.log.resyncs).toBe(0);
        expect(seqsOf([...events, ...resumed.log.events])).toEqual(range(1, total));
        // The reader that kept reading all along was never cut and got everything once.
        await waitFor(() => reading.log.events.at(-1)?.seq === total, 15_000, 'the reading reader to reach the end');
        expect(seqsOf(reading.log.events)).toEqual(range(1, total));
      } finally {
        await resumed.stop();
      }
    } finally {
      paused.destroy();
      await reading.stop();
    }
  });

  it('holds a bounded amount for 10 paused readers per socket and stream transport of a 9 MiB backlog', async () => {
    const total = FULL_TOTAL;
    const channel = fullChannel;
    await waitFor(async () => (await latestSeq(channel)) === total, 10_000, 'the channel to end');
    // One complete read of each kind first: the framed bytes of every event are cached once.
    const followers = [...transportsOfKind('socket'), ...transportsOfKind('stream')];
    for (const transport of followers) {
      const reader = startReader(transport, { baseUrl: server.url, channel, client: `warm-${transport}`, after: '0' });
      await waitFor(() => reader.log.events.length === total, 10_000, `a full ${transport} read`);
      await reader.stop();
    }
    const before = await server.measure();
    const readers: RawConnection[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        for (const transport of transportsOfKind('socket')) {
          readers.push(await rawWebSocket(server.port, `${transportSpec(transport).path}?channel=${channel}&after=0`, { pauseAfterHandshake: true }));
        }
        for (const transport of transportsOfKind('stream')) {
          const stream = new RawConnection(server.port);
          await stream.connected;
          stream.pause();
          await stream.write(requestBytes({ target: `${transportSpec(transport).path}?channel=${channel}&after=0` }));
          readers.push(stream);
        }
      }
      await sleep(300); // every reader stuck at its cap, none cut yet (slowConsumerMs is 1 s)
      const during = await server.measure();
      const growth = heldBytes(during) - heldBytes(before);
      // Each reader may hold the cap plus the one event that crossed it; everything else waits
      // in the channel's buffer, shared. Before: 20 × 9.4 MiB = 188 MiB of per-reader copies.
      const bound = readers.length * (SEND_BUFFER_MAX_BYTES + EVENT_PAYLOAD + 256) + 4 * MiB;
      console.log(
        `${readers.length} paused readers of a 9.4 MiB backlog: heap+external ${mib(heldBytes(before))} → ${mib(heldBytes(during))} (+${mib(growth)}, bound ${mib(bound)}); ` +
          `rss ${mib(before.rss)} → ${mib(during.rss)}`,
      );
      expect(growth).toBeLessThan(bound);

      // After slowConsumerMs (+2 s grace for WebSockets) every one of them is gone, and so is what it held.
      await waitFor(async () => (await server.held()).streams === 0, 10_000, 'every paused reader to be cut');
      const after = await server.measure();
      console.log(`after the cut: heap+external ${mib(heldBytes(after))}`);
      expect(heldBytes(after) - heldBytes(before)).toBeLessThan(4 * MiB);
      expect(await server.subscribers(channel)).toBe(0);
    } finally {
      for (const reader of readers) reader.destroy();
    }
  });

  it.each(['/ws/echo', '/ws/inspect'])('closes a paused %s flooder with 1013 and holds a bounded amount for it', async (path) => {
    const before = await server.measure();
    const flooder = await rawWebSocket(server.port, path, { pauseAfterHandshake: true });
    try {
      expect(flooder.upgraded).toBe(true);
      // 400 × 60 KiB = 23 MiB of messages whose echoes it never reads.
      for (let i = 0; i < 400; i++) flooder.socket.write(clientFrame(OPCODES.binary, Buffer.alloc(60 * 1024, i % 256)));
      await flooder.write(clientFrame(OPCODES.binary, Buffer.alloc(60 * 1024, 7)));
      const flushedAt = performance.now();
      const during = await server.measure();
      const growth = heldBytes(during) - heldBytes(before);
      // The cap, plus what is in flight inside the server (frames being read, one record of
      // at most 1 MiB for /ws/inspect). Without the cap: every echo, 23 MiB.
      const bound = SEND_BUFFER_MAX_BYTES + 8 * MiB;
      console.log(`paused ${path} flooder (23 MiB sent): heap+external +${mib(growth)} (bound ${mib(bound)}), rss ${mib(before.rss)} → ${mib(during.rss)}`);
      expect(growth).toBeLessThan(bound);
      // Read now, inside the 2 s the server gives it to take its close frame.
      await sleep(Math.max(0, 300 - (performance.now() - flushedAt)));
      flooder.resume();
      const code = await closeFrameOf(flooder);
      console.log(`${path} flooder: close code ${code}, ${mib(flooder.receivedBytes)} of echoes delivered before it`);
      expect(code).toBe(1013);
      // Far less than it sent came back: the server stopped echoing once the cap was reached.
      expect(flooder.receivedBytes).toBeLessThan(23 * MiB / 2);
    } finally {
      flooder.destroy();
    }
  });

  it('closes a chat member that stays paused at the cap for SLOW_CONSUMER_MS with 1013, while the member who talks is served', async () => {
    const paused = await rawWebSocket(server.port, '/ws/chat?room=backpressure&name=paused', { pauseAfterHandshake: true });
    const talker = new WebSocket(`${server.url.replace('http', 'ws')}/ws/chat?room=backpressure&name=talker`);
    let heard = 0;
    talker.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'chat') heard++;
    });
    try {
      expect(paused.upgraded).toBe(true);
      await new Promise((resolve) => talker.once('open', resolve));
      // 1,600 lines of 4 KiB: 6.5 MiB for each member to read.
      const line = 'y'.repeat(4000);
      const started = performance.now();
      for (let i = 0; i < 1600; i++) talker.send(line);
      await waitFor(() => heard === 1600, 10_000, 'the talker to hear its own 1,600 lines');
      console.log(`chat: 1,600 lines broadcast in ${(performance.now() - started).toFixed(0)} ms`);
      // A chat member reads through a Follower like any feed reader: stuck at the cap this long, it is cut.
      await sleep(SLOW_CONSUMER_MS + 300);
      paused.resume();
      const code = await closeFrameOf(paused);
      console.log(`paused chat member: close code ${code}, ${mib(paused.receivedBytes)} received`);
      expect(code).toBe(1013);
      expect(talker.readyState).toBe(WebSocket.OPEN);
    } finally {
      paused.destroy();
      talker.terminate();
    }
  });
});

describe('backpressure: keep-alive proves the peer reads', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ wsPingIntervalMs: 200 });
  });
  afterAll(() => server.close());

  /** Resolves with the close code and when it came (ms after open); code null if still open after 3 s. */
  const lifetime = (ws: WebSocket) =>
    new Promise<{ code: number | null; afterMs: number }>((resolve) => {
      let openedAt = performance.now();
      ws.on('open', () => (openedAt = performance.now()));
      ws.on('close', (code) => resolve({ code, afterMs: performance.now() - openedAt }));
      ws.on('error', () => {});
      setTimeout(() => resolve({ code: null, afterMs: performance.now() - openedAt }), 3000);
    });

  it('drops a peer that sends unsolicited pongs but never answers the server ping, and keeps one that does', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/echo`, { autoPong: false });
    const ended = lifetime(ws);
    const pongs = setInterval(() => ws.readyState === WebSocket.OPEN && ws.pong('still here'), 50);
    // The control: a peer that echoes each ping's payload (ws does that by default).
    const answering = new WebSocket(`${server.url.replace('http', 'ws')}/ws/echo`);
    let pingsAnswered = 0;
    answering.on('ping', () => pingsAnswered++);
    try {
      const { code, afterMs } = await ended;
      console.log(`unsolicited pongs: terminated (${code}) after ${afterMs.toFixed(0)} ms (ping interval 200 ms)`);
      expect(code).toBe(1006);
      expect(afterMs).toBeLessThan(3000); // two 200 ms ping intervals, with room for a loaded machine
      await waitFor(() => pingsAnswered >= 6, 5000, 'six pings answered');
      expect(answering.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(pongs);
      ws.terminate();
      answering.terminate();
    }
  });

  it('drops a peer that answers each ping with a pong of a different payload', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/echo`, { autoPong: false });
    const ended = lifetime(ws);
    ws.on('ping', (data: Buffer) => ws.pong(Buffer.concat([data, Buffer.from('!')])));
    try {
      const { code, afterMs } = await ended;
      expect(code).toBe(1006);
      expect(afterMs).toBeLessThan(3000); // two 200 ms ping intervals, with room for a loaded machine
    } finally {
      ws.terminate();
    }
  });
});
