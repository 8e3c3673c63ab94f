// Classroom: one room of 500 simulated phones on this machine (issue #10), 100 on each transport
// of the catalog, each speaking its transport's real protocol (tests/helpers/feed-readers.ts)
// from the load generator (this process) to the project server (a child process, as shipped,
// fair-use limits raised because one address plays every phone). The teacher buzzes BUZZES
// times; every phone reports its delay as the phone page does. Printed: buzz delivery
// p50/p99 per transport (receive time − the event's `at`, same machine clock), the server's
// CPU time per buzz and over the idle room, and its RSS with the room full.
// Goals (what the projector shows a class, checked so the bench fails when it stops being true):
//   - every phone gets every buzz exactly once, and the room's aggregate counts every report;
//   - each push transport's p99 is below the slowest polling transport's p50 (short polling: the
//     room polls every second).
// Both processes share 2 cores: delivery figures are taken under that contention.
import { TRANSPORTS, transportSpec, type TransportName } from '../src/protocol/transports.ts';
import type { BuzzReply, JoinReply, RoomAggregate, RoomCreated } from '../src/protocol/rooms.ts';
import { startReader, type Reader } from '../tests/helpers/feed-readers.ts';
import { children, inBatches, ONE_ADDRESS_SETTINGS, percentile, ServerChild, sleep } from './support/capacity-clients.ts';

const PHONES_PER_TRANSPORT = 100;
const PHONES = PHONES_PER_TRANSPORT * TRANSPORTS.length;
const BUZZES = 6;
const BUZZ_GAP_MS = 2500;

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function post<T>(url: string, body: unknown, teacherKey?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (teacherKey) headers.authorization = `Bearer ${teacherKey}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Phone {
  client: string;
  transport: TransportName;
  reader: Reader;
}

async function main() {
  const server = await ServerChild.start('bench/support/capacity-project.ts', ONE_ADDRESS_SETTINGS, PHONES * 2 + 1024);
  console.log(`  project server: Node ${server.node}, pid ${server.child.pid}, ${server.fdNote}; ${PHONES} phones (${PHONES_PER_TRANSPORT} per transport), ${BUZZES} buzzes ${BUZZ_GAP_MS} ms apart`);
  const phones: Phone[] = [];
  let failures = 0;
  try {
    const room = await post<RoomCreated>(`${server.url}/api/rooms`, {});
    const base = await server.measure();
    const joinStarted = performance.now();
    await inBatches(PHONES, 50, async (i) => {
      const transport = TRANSPORTS[i % TRANSPORTS.length]!;
      const client = `phone-${i}`;
      const joined = await post<JoinReply>(`${server.url}/api/rooms/${room.room}/join`, { client, transport });
      const reader = startReader(transport, { baseUrl: server.url, channel: joined.channel, client, after: joined.cursor, pollIntervalMs: joined.pollIntervalMs, timestamps: true });
      phones.push({ client, transport, reader });
    });
    const deadline = performance.now() + 30_000;
    while (phones.some((phone) => phone.reader.log.cursor === undefined)) {
      if (performance.now() > deadline) throw new Error('not every phone connected within 30 s');
      await sleep(100);
    }
    console.log(`  ${PHONES} phones joined and connected in ${((performance.now() - joinStarted) / 1000).toFixed(1)} s`);
    await sleep(2000);
    const idleStart = await server.measure(false);
    await sleep(5000);
    const idleEnd = await server.measure(false);
    const full = await server.measure(true);

    const delays = new Map<TransportName, number[]>(TRANSPORTS.map((name) => [name, []]));
    const cpuPerBuzz: number[] = [];
    for (let round = 0; round < BUZZES; round++) {
      const before = await server.measure(false);
      const buzz = await post<BuzzReply>(`${server.url}/api/rooms/${room.room}/buzz`, {}, room.teacherKey);
      const until = performance.now() + 15_000;
      const got = () => phones.filter((phone) => phone.reader.log.events.some((event) => event.seq === buzz.seq));
      while (got().length < PHONES && performance.now() < until) await sleep(50);
      const after = await server.measure(false);
      cpuPerBuzz.push(after.cpuMs - before.cpuMs);
      for (const phone of phones) {
        const { events, receivedAt } = phone.reader.log;
        const index = events.findIndex((event) => event.seq === buzz.seq);
        const copies = events.filter((event) => event.seq === buzz.seq).length;
        if (copies !== 1) {
          failures++;
          console.error(`  ✗ ${phone.client} (${phone.transport}) got buzz ${buzz.id} ${copies} times`);
          continue;
        }
        const delayMs = receivedAt![index]! - events[index]!.at;
        delays.get(phone.transport)!.push(delayMs);
        await post(`${server.url}/api/rooms/${room.room}/reports`, { client: phone.client, seq: buzz.seq, delayMs });
      }
      await sleep(BUZZ_GAP_MS);
    }
    const aggregate = (await (await fetch(`${server.url}/api/rooms/${room.room}`)).json()) as RoomAggregate;
    const reported = aggregate.buzzes.reduce((sum, buzz) => sum + TRANSPORTS.reduce((n, name) => n + buzz.delays[name].length, 0), 0);
    if (reported !== PHONES * BUZZES) {
      failures++;
      console.error(`  ✗ the aggregate counts ${reported} reports, the phones sent ${PHONES * BUZZES}`);
    }

    const rows = TRANSPORTS.map((name) => {
      const sorted = [...delays.get(name)!].sort((a, b) => a - b);
      return { transport: name, phones: PHONES_PER_TRANSPORT, deliveries: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    });
    console.table(rows.map((row) => ({ ...row, p50: ms(row.p50), p99: ms(row.p99), max: ms(row.max) })));
    // The slowest polling transport (short polling, waiting out its interval) against every push one.
    const slowestPoll = rows.filter((row) => transportSpec(row.transport).kind === 'poll').sort((a, b) => b.p50 - a.p50)[0]!;
    for (const row of rows.filter((r) => transportSpec(r.transport).kind !== 'poll')) {
      const ok = row.p99 < slowestPoll.p50;
      if (!ok) failures++;
      console.log(`  ${ok ? '✓' : '✗ MISSED'} ${row.transport} p99 ${ms(row.p99)} < ${slowestPoll.transport} p50 ${ms(slowestPoll.p50)}`);
    }
    const sortedCpu = [...cpuPerBuzz].sort((a, b) => a - b);
    console.log(
      `  server CPU: idle room ${((idleEnd.cpuMs - idleStart.cpuMs) / 5).toFixed(0)} ms/s (${PHONES} phones connected, short polls every ${(aggregate.pollIntervalMs / 1000).toFixed(1)} s); ` +
        `per buzz (delivery to all, measured over the wait) median ${ms(percentile(sortedCpu, 50))}, max ${ms(sortedCpu.at(-1)!)}`,
    );
    console.log(`  server RSS: ${(base.rssBytes / 1e6).toFixed(1)} MB with the empty room → ${(full.rssBytes / 1e6).toFixed(1)} MB with ${PHONES} phones (after a full GC; heap ${(full.heapUsedBytes / 1e6).toFixed(1)} MB)`);
  } finally {
    await Promise.all(phones.map((phone) => phone.reader.stop()));
    if (server.log.length) console.log(`  server stderr: ${server.log.slice(0, 5).join(' | ')}`);
    await server.stop();
  }
  return failures;
}

try {
  const failures = await main();
  if (failures) {
    console.error(`classroom: ${failures} check(s) failed`);
    process.exitCode = 1;
  } else console.log('classroom: ok, every phone got every buzz once, every goal met');
} catch (error) {
  console.error(`classroom: could not finish: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
for (const child of children) child.kill('SIGKILL');
process.exit();
