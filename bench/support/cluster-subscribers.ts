// A load generator of bench/cluster.ts, in a process of its own: `node --import tsx
// bench/support/cluster-subscribers.ts`, spawned with an IPC channel. It opens its share of the
// WebSocket subscribers of one channel (/ws/feed?channel=<id>, spread over the instances' URLs
// in turn), checks that each one gets every event after its `start` cursor exactly once and in
// order, and records each delivery's delay: receive time − the event's `at`, both Date.now() on
// the same machine (whole milliseconds, so the difference is unbiased at 1 ms resolution).
// Delays are kept only for the measured window, which the bench names once every generator's
// sockets are open; the rest of the race only warms up and is checked for order.
import WebSocket from 'ws';
import { inBatches } from './capacity-clients.ts';

export type ToSubscribers =
  /** Open `count` sockets to `channel`, the i-th to urls[i % urls.length]; the race ends at seq `total`. */
  | { type: 'open'; urls: string[]; channel: string; count: number; total: number; batch: number }
  /** Delays count from event `from` on (to `total`). */
  | { type: 'window'; from: number }
  /** Reply once every socket has event `total`, or after `limitMs` with what arrived. */
  | { type: 'finish'; limitMs: number };

export interface SubscriberFigures {
  sockets: number;
  /** Highest `start` seq of any socket: every socket reads every event after it. */
  maxStartSeq: number;
  /** Events missed (a gap, or short of `total` at the end), copies, events out of order, sockets closed, `start` again (resync). */
  missing: number;
  duplicates: number;
  outOfOrder: number;
  closed: number;
  restarts: number;
  /** Window deliveries, their delays as [whole ms, count] pairs, the window's first `at` and its last receive time (epoch ms). */
  deliveries: number;
  delays: Array<[number, number]>;
  /** Per window event, the delay of its first delivery here: [seq, ms] (the pipeline before the fan-out's spread). */
  firstDelays: Array<[number, number]>;
  firstAt: number;
  lastReceivedAt: number;
  /** Events of the window this generator saw at all (its seq span), for the publish rate. */
  lastAt: number;
  /** This process's CPU time (user + system) and wall time over the window. */
  cpuMs: number;
  wallMs: number;
}

export type FromSubscribers =
  | { type: 'ready'; pid: number }
  | { type: 'opened'; sockets: number; ms: number; maxStartSeq: number }
  | { type: 'finished'; figures: SubscriberFigures }
  | { type: 'failed'; message: string };

interface Subscriber {
  ws: WebSocket;
  /** The next seq this socket must get (start seq + 1 after `start`). */
  next: number;
  startSeq: number;
}

const send = (message: FromSubscribers) => process.send?.(message);
const subscribers: Subscriber[] = [];
let total = 0;
let windowFrom = Infinity;
let windowStartedCpu = 0;
let windowStartedWall = 0;
const anomalies = { missing: 0, duplicates: 0, outOfOrder: 0, closed: 0, restarts: 0 };
const delayCounts = new Map<number, number>();
let deliveries = 0;
const atBySeq = new Map<number, number>();
const firstDelayBySeq = new Map<number, number>();
let lastReceivedAt = 0;
/** Sockets that have event `total`. */
let complete = 0;
let onComplete: (() => void) | null = null;
let finishing = false;

const cpuNow = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

function receive(subscriber: Subscriber, data: WebSocket.RawData) {
  const receivedAt = Date.now();
  const message = JSON.parse(String(data)) as { type: string; cursor?: string; event?: { seq: number; at: number } };
  if (message.type === 'start') {
    const seq = Number(message.cursor!.slice(message.cursor!.lastIndexOf('-') + 1));
    if (subscriber.next > 0) anomalies.restarts++;
    subscriber.startSeq = seq;
    subscriber.next = seq + 1;
    return;
  }
  if (message.type !== 'event' || !message.event) return;
  const { seq, at } = message.event;
  if (seq < subscriber.next) {
    // Seen already (a copy) or arriving after a later one (out of order): either breaks "exactly once, in order".
    if (seq === subscriber.next - 1) anomalies.duplicates++;
    else anomalies.outOfOrder++;
    return;
  }
  if (seq > subscriber.next) anomalies.missing += seq - subscriber.next;
  subscriber.next = seq + 1;
  if (seq >= windowFrom) {
    const delay = receivedAt - at;
    delayCounts.set(delay, (delayCounts.get(delay) ?? 0) + 1);
    deliveries++;
    if (!atBySeq.has(seq)) {
      atBySeq.set(seq, at);
      firstDelayBySeq.set(seq, delay);
    }
    if (receivedAt > lastReceivedAt) lastReceivedAt = receivedAt;
  }
  if (seq === total && ++complete === subscribers.length) onComplete?.();
}

function openOne(url: string, channel: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/feed?channel=${channel}`, { perMessageDeflate: false });
    const subscriber: Subscriber = { ws, next: 0, startSeq: 0 };
    const timer = setTimeout(() => reject(new Error(`${url}: no start message within 20 s`)), 20_000);
    ws.on('message', (data) => {
      receive(subscriber, data);
      if (subscriber.next > 0) {
        clearTimeout(timer);
        resolve(subscriber);
      }
    });
    ws.on('close', () => {
      if (!finishing) anomalies.closed++;
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function figures(): SubscriberFigures {
  let missingAtEnd = 0;
  for (const subscriber of subscribers) if (subscriber.next <= total) missingAtEnd += total + 1 - subscriber.next;
  const seqs = [...atBySeq.keys()].sort((a, b) => a - b);
  return {
    sockets: subscribers.length,
    maxStartSeq: Math.max(...subscribers.map((s) => s.startSeq)),
    ...anomalies,
    missing: anomalies.missing + missingAtEnd,
    deliveries,
    delays: [...delayCounts],
    firstDelays: [...firstDelayBySeq],
    firstAt: atBySeq.get(windowFrom) ?? NaN,
    lastAt: atBySeq.get(seqs.at(-1) ?? -1) ?? NaN,
    lastReceivedAt,
    cpuMs: cpuNow() - windowStartedCpu,
    wallMs: performance.now() - windowStartedWall,
  };
}

process.on('message', async (message: ToSubscribers) => {
  try {
    if (message.type === 'open') {
      total = message.total;
      const started = performance.now();
      const opened = await inBatches(message.count, message.batch, (i) => openOne(message.urls[i % message.urls.length]!, message.channel));
      subscribers.push(...opened);
      send({ type: 'opened', sockets: opened.length, ms: performance.now() - started, maxStartSeq: Math.max(...opened.map((s) => s.startSeq)) });
    } else if (message.type === 'window') {
      windowFrom = message.from;
      windowStartedCpu = cpuNow();
      windowStartedWall = performance.now();
    } else if (message.type === 'finish') {
      if (complete < subscribers.length) {
        await new Promise<void>((resolve) => {
          onComplete = resolve;
          setTimeout(resolve, message.limitMs);
        });
      }
      const result = figures();
      finishing = true;
      for (const { ws } of subscribers) ws.terminate();
      send({ type: 'finished', figures: result });
    }
  } catch (error) {
    send({ type: 'failed', message: (error as Error).stack ?? String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
