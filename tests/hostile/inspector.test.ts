import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReply } from '../../src/protocol/inspect.ts';
import { heldBytes, startChildServer, type ChildServer, type Measure } from '../helpers/hostile-child.ts';
import { inBatches, mib, MiB } from '../helpers/hostile-raw.ts';
import { clientFrame, framesOf, OPCODES, rawWebSocket, type RawWebSocket } from '../helpers/hostile-ws.ts';

// /ws/inspect records every frame of a connection so the page can show them. Each record was
// capped (1 MiB) but nothing capped them together, and connections past the 200 the inspector
// remembers kept recording into records nobody could read: 400 sockets sending data pinned
// hundreds of MiB. Now all records share inspectTotalMaxBytes, and a forgotten connection stops
// recording and gives its bytes back.
const BUDGET_BYTES = 2 * MiB;
const MESSAGE_BYTES = 50 * 1024;
/** What one connection's record holds after one message and its echo: the hello, the frame in, the frame out. */
const PER_CONNECTION_BYTES = 2 * MESSAGE_BYTES;

interface Inspected {
  ws: RawWebSocket;
  id: string;
}

describe('inspector: a bounded recorder', () => {
  let server: ChildServer;
  const older: Inspected[] = [];
  const newer: Inspected[] = [];
  let baseline: Measure;
  let afterAll400: Measure;

  /** Opens /ws/inspect and returns the socket and the id of its record. */
  const open = async (): Promise<Inspected> => {
    const ws = await rawWebSocket(server.port, '/ws/inspect');
    expect(ws.upgraded).toBe(true);
    const hello = await ws.until(() => framesOf(ws).find((f) => f.opcode === OPCODES.text), 5000, 'the inspect hello');
    return { ws, id: (JSON.parse(hello.payload.toString()) as { id: string }).id };
  };
  /** Sends one binary message of MESSAGE_BYTES and waits for its echo. */
  const exchange = async ({ ws }: Inspected) => {
    const echoes = framesOf(ws).filter((f) => f.opcode === OPCODES.binary).length;
    await ws.write(clientFrame(OPCODES.binary, randomBytes(MESSAGE_BYTES)));
    await ws.until(() => framesOf(ws).filter((f) => f.opcode === OPCODES.binary).length > echoes, 10_000, 'the echo');
  };
  const record = async (id: string) => {
    const response = await fetch(`${server.url}/api/inspect/${id}`);
    return { status: response.status, reply: response.status === 200 ? ((await response.json()) as InspectReply) : null };
  };
  const recordedBytes = (reply: InspectReply) => reply.frames.reduce((sum, frame) => sum + Buffer.from(frame.base64, 'base64').length, 0);

  beforeAll(async () => {
    server = await startChildServer({
      inspectTotalMaxBytes: BUDGET_BYTES,
      streamsPerAddress: 10_000,
      socketsPerAddress: 10_000,
      requestsPerSecondPerAddress: 1_000_000,
      wsMessagesPerSecondPerAddress: 1_000_000,
      wsPingIntervalMs: 120_000,
    });
    baseline = await server.measure();
    // 400 inspected connections, in order, each sending 50 KiB and getting it echoed.
    for (const list of [older, newer]) {
      const opened = await inBatches(200, 1, async () => {
        const inspected = await open();
        await exchange(inspected);
        return inspected;
      });
      list.push(...opened);
    }
    afterAll400 = await server.measure();
  });
  afterAll(() => {
    for (const { ws } of [...older, ...newer]) ws.destroy();
    server.kill();
  });

  it('forgets the oldest 200 of 400 inspected connections (404) and remembers the newest 200', async () => {
    const olderStatuses = await inBatches(200, 20, async (i) => (await record(older[i]!.id)).status);
    const newerStatuses = await inBatches(200, 20, async (i) => (await record(newer[i]!.id)).status);
    expect(olderStatuses.filter((s) => s !== 404)).toEqual([]);
    expect(newerStatuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('holds at most inspectTotalMaxBytes of frames over every remembered connection, given back as connections are evicted', async () => {
    const replies = await inBatches(200, 20, async (i) => (await record(newer[i]!.id)).reply!);
    const total = replies.reduce((sum, reply) => sum + recordedBytes(reply), 0);
    const complete = replies.filter((reply) => reply.droppedFrames === 0).length;
    console.log(
      `inspector: ${mib(total)} of frames recorded over 200 remembered connections (budget ${mib(BUDGET_BYTES)}; ` +
        `without it ${mib(200 * PER_CONNECTION_BYTES)}); ${complete} records complete, ${200 - complete} stopped at the budget`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
    // When the first newer connections opened, the budget was full of older records; each
    // opening evicted one, and only its released bytes let the newcomer record everything.
    for (const reply of replies.slice(0, 10)) {
      expect(reply.droppedFrames).toBe(0);
      expect(recordedBytes(reply)).toBeGreaterThanOrEqual(PER_CONNECTION_BYTES);
    }
  });

  it('keeps server memory bounded with 400 inspected sockets open', () => {
    const growth = heldBytes(afterAll400) - heldBytes(baseline);
    // The budget (recorded bytes, plus their base64 once read) and what 400 open sockets cost
    // on their own. Without the budget: 400 × 100 KiB of records, 39 MiB, plus the copies.
    const bound = 2 * BUDGET_BYTES + 400 * 24 * 1024;
    console.log(`inspector: heap+external ${mib(heldBytes(baseline))} → ${mib(heldBytes(afterAll400))} (+${mib(growth)}, bound ${mib(bound)}) with 400 sockets open`);
    expect(growth).toBeLessThan(bound);
  });

  it('stops recording an evicted connection: its later frames cost no memory and take nothing from the budget', async () => {
    // 120 forgotten connections send 50 KiB each and get it echoed: 11.7 MiB of frames that
    // nobody can ever read. Recorded, they would sit in memory until their sockets close.
    const before = await server.measure();
    await inBatches(120, 10, (i) => exchange(older[i]!));
    const after = await server.measure();
    const growth = heldBytes(after) - heldBytes(before);
    console.log(`inspector: 120 evicted connections exchanged 11.7 MiB: heap+external +${mib(growth)}`);
    expect(growth).toBeLessThan(4 * MiB);
    // Opening one more connection evicts the oldest remembered one and frees its bytes; had
    // the forgotten ones kept recording, their frames would have taken them first.
    for (let round = 0; round < 3; round++) {
      const newcomer = await open();
      newer.push(newcomer);
      await inBatches(20, 10, (i) => exchange(older[120 + i]!));
      await exchange(newcomer);
      const { reply } = await record(newcomer.id);
      expect(reply!.droppedFrames).toBe(0);
      expect(recordedBytes(reply!)).toBeGreaterThanOrEqual(PER_CONNECTION_BYTES);
    }
  });
});

describe('inspector: a flood of tiny frames', () => {
  it('holds tiny frames within the budget, counting what each kept frame costs beyond its bytes', async () => {
    // 20 inspected sockets × 5,000 one-byte messages, each echoed: 200,000 frames of ~8 bytes.
    // Counted by their bytes alone, 4 MiB of budget would keep all of them (~1.6 MB), yet each
    // kept frame costs a Buffer and a record object besides: ~35 MiB held when only bytes counted.
    const budget = 4 * MiB;
    const server = await startChildServer({
      inspectTotalMaxBytes: budget,
      wsMessagesPerSecondPerAddress: 1_000_000,
      requestsPerSecondPerAddress: 1_000_000,
      wsPingIntervalMs: 120_000,
    });
    const sockets: RawWebSocket[] = [];
    try {
      const before = await server.measure();
      const tiny = Array.from({ length: 5000 }, () => clientFrame(OPCODES.text, 'x'));
      const burst = Buffer.concat(tiny);
      await inBatches(20, 5, async () => {
        const ws = await rawWebSocket(server.port, '/ws/inspect');
        sockets.push(ws);
        await ws.until(() => framesOf(ws).some((f) => f.opcode === OPCODES.text), 5000, 'the inspect hello');
        const helloBytes = ws.receivedBytes;
        await ws.write(burst);
        // 5,000 echoes of "Echo: x": 9 bytes each on the wire.
        await ws.until(() => ws.receivedBytes >= helloBytes + 5000 * 9, 15_000, 'every echo');
      });
      const after = await server.measure();
      const growth = heldBytes(after) - heldBytes(before);
      const bound = 3 * budget + 20 * 64 * 1024;
      console.log(`inspector: 200,000 tiny frames over 20 sockets: heap+external +${mib(growth)} (budget ${mib(budget)}, bound ${mib(bound)})`);
      expect(growth).toBeLessThan(bound);
    } finally {
      for (const ws of sockets) ws.destroy();
      server.kill();
    }
  });
});
