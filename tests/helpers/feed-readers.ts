import WebSocket from 'ws';
import type { FeedEvent, FeedSocketMessage, PollReply } from '../../src/protocol/feed.ts';
import { transportSpec, type TransportName } from '../../src/protocol/transports.ts';

/** What a test reader saw: events in arrival order, and resync signals. */
export interface ReaderLog {
  events: FeedEvent[];
  resyncs: number;
}

export interface Reader {
  log: ReaderLog;
  /** Stops reading and closes the connection; resolves once it is closed. */
  stop(): Promise<void>;
}

export interface ReaderOptions {
  baseUrl: string;
  channel: string;
  client: string;
  /** A cursor from a reply, or '0' (everything held). */
  after?: string;
  /** Short-poll interval. */
  pollIntervalMs?: number;
  /** Sent as Last-Event-ID instead of `after` (SSE). */
  lastEventId?: string;
}

const query = (options: ReaderOptions, after: string | undefined, extra = '') =>
  `channel=${options.channel}&client=${options.client}${after === undefined ? '' : `&after=${after}`}${extra}`;

function pollReader(path: string, extra: string, options: ReaderOptions): Reader {
  const log: ReaderLog = { events: [], resyncs: 0 };
  const controller = new AbortController();
  let cursor = options.after;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`${options.baseUrl}${path}?${query(options, cursor, extra)}`, { signal: controller.signal });
        const reply = (await response.json()) as PollReply;
        if (reply.resync) log.resyncs++;
        log.events.push(...reply.events);
        cursor = reply.cursor;
        if (reply.more) continue; // the rest of a paged backlog is ready now
      } catch {
        if (controller.signal.aborted) return;
      }
      if (options.pollIntervalMs) await new Promise((r) => setTimeout(r, options.pollIntervalMs));
    }
  })();
  return { log, stop: async () => (controller.abort(), loop) };
}

function sseReader(path: string, options: ReaderOptions): Reader {
  const log: ReaderLog = { events: [], resyncs: 0 };
  const controller = new AbortController();
  const headers: Record<string, string> = options.lastEventId === undefined ? {} : { 'Last-Event-ID': String(options.lastEventId) };
  const done = (async () => {
    try {
      const response = await fetch(`${options.baseUrl}${path}?${query(options, options.after)}`, { signal: controller.signal, headers });
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (lines.some((l) => l === 'event: resync')) log.resyncs++;
          else if (data) log.events.push(JSON.parse(data) as FeedEvent);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { log, stop: async () => (controller.abort(), done) };
}

function socketReader(path: string, options: ReaderOptions): Reader {
  const log: ReaderLog = { events: [], resyncs: 0 };
  const wsUrl = options.baseUrl.replace(/^http/, 'ws');
  const socket = new WebSocket(`${wsUrl}${path}?${query(options, options.after)}`);
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as FeedSocketMessage;
    if (message.type === 'event') log.events.push(message.event);
    else if (message.resync) log.resyncs++;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    log,
    stop: async () => {
      if (socket.readyState === WebSocket.CONNECTING) await new Promise((r) => socket.once('open', r));
      socket.close(1000);
      await closed;
    },
  };
}

/** One reader per transport, by its kind in the catalog, all speaking the real protocol over real sockets. */
export function startReader(transport: TransportName, options: ReaderOptions): Reader {
  const { kind, path } = transportSpec(transport);
  switch (kind) {
    case 'poll':
      // `timeout` matters only to a long poll; a short poll ignores it. Both pause 30 ms between replies.
      return pollReader(path, '&timeout=2000', { pollIntervalMs: 30, ...options });
    case 'stream':
      return sseReader(path, options);
    case 'socket':
      return socketReader(path, options);
  }
}
