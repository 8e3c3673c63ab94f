// Parsers for the two standard streaming media types the feed is served in, chosen by the
// response's Content-Type, so a test that reads "a stream" covers every streaming transport of
// the catalog without knowing which framing it uses.
import type { FeedEvent, FeedSocketMessage } from '../../src/protocol/feed.ts';

/** What a stream reader saw: events in arrival order, resync signals, the last cursor. */
export interface StreamLog {
  events: FeedEvent[];
  resyncs: number;
  /** Where a reconnect would resume (`after`): the last `id:` of SSE, the start/event cursor of NDJSON. */
  cursor?: string;
  /** When present, each event's arrival (epoch ms, sub-ms), parallel to `events` (the benches time delivery). */
  receivedAt?: number[];
}

/** Logs events that arrived together. */
export function logEvents(log: StreamLog, events: FeedEvent[]): void {
  log.events.push(...events);
  if (log.receivedAt) {
    const now = performance.timeOrigin + performance.now();
    for (let i = 0; i < events.length; i++) log.receivedAt.push(now);
  }
}

/** Splits text into complete records at `separator`, keeping the unfinished tail for later. */
function splitter(separator: string, onRecord: (record: string) => void) {
  let buffered = '';
  return (text: string) => {
    buffered += text;
    let end: number;
    while ((end = buffered.indexOf(separator)) !== -1) {
      onRecord(buffered.slice(0, end));
      buffered = buffered.slice(end + separator.length);
    }
  };
}

/** One feed message (a WebSocket message, an NDJSON line). */
export function receiveMessage(log: StreamLog, message: FeedSocketMessage): void {
  if (message.type === 'event') {
    logEvents(log, [message.event]);
    if (log.cursor) log.cursor = `${log.cursor.split('-')[0]}-${message.event.seq}`;
    return;
  }
  if (message.resync) log.resyncs++;
  log.cursor = message.cursor;
}

/** SSE message blocks: `data:` lines are an event, `event: resync` a lost cursor, `id:` the cursor. */
const sseRecords = (log: StreamLog) =>
  splitter('\n\n', (block) => {
    const lines = block.split('\n');
    const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trimStart();
    if (id !== undefined) log.cursor = id;
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (lines.includes('event: resync')) log.resyncs++;
    else if (data) logEvents(log, [JSON.parse(data) as FeedEvent]);
  });

/** NDJSON lines: the feed's messages; empty lines are heartbeats. */
const ndjsonRecords = (log: StreamLog) => splitter('\n', (line) => line && receiveMessage(log, JSON.parse(line) as FeedSocketMessage));

/** A function fed decoded body text, or null when `contentType` is no streaming format we know. */
export function streamParser(contentType: string, log: StreamLog): ((text: string) => void) | null {
  if (contentType.startsWith('text/event-stream')) return sseRecords(log);
  if (contentType.startsWith('application/x-ndjson')) return ndjsonRecords(log);
  return null;
}
