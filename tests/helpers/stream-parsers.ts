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
  /** Connections a reconnecting reader made (feed-readers' `reconnect`). */
  connections?: number;
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

/** The body of a chunked HTTP/1.1 response (RFC 9112 §7.1), as far as it arrived. */
export function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
}

/**
 * The feed a raw connection received as a stream response (head, chunked body, possibly cut
 * anywhere), parsed by its Content-Type; null before the head is complete or for a non-stream.
 */
export function parseStreamResponse(received: Buffer): StreamLog | null {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = received.subarray(0, headEnd).toString('latin1');
  const rest = received.subarray(headEnd + 4);
  const log: StreamLog = { events: [], resyncs: 0 };
  const feed = streamParser(/^content-type:\s*(.*)$/im.exec(head)?.[1] ?? '', log);
  feed?.((/transfer-encoding:\s*chunked/i.test(head) ? dechunk(rest) : rest).toString('utf8'));
  return feed ? log : null;
}

/** The complete SSE messages in a decoded event-stream body; comments are left out. */
export function sseBlocksOf(body: string): SseBlock[] {
  const blocks: SseBlock[] = [];
  const parts = body.split('\n\n');
  parts.pop(); // the incomplete tail (or '')
  for (const part of parts) {
    const block: SseBlock = {};
    for (const line of part.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(': ');
      if (colon === -1) continue;
      block[line.slice(0, colon) as keyof SseBlock] = line.slice(colon + 2);
    }
    if (Object.keys(block).length > 0) blocks.push(block);
  }
  return blocks;
}
