import WebSocket from 'ws';
import type { FeedEvent, FeedSocketMessage, PollReply } from '../../src/protocol/feed.ts';
import { transportSpec, type TransportName } from '../../src/protocol/transports.ts';
import { logEvents, receiveMessage, streamParser, type StreamLog } from './stream-parsers.ts';

/** What a test reader saw: events in arrival order, resync signals, its last cursor. */
export type ReaderLog = StreamLog;

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
  /** Sent as Last-Event-ID instead of `after` (SSE reads it; other streams ignore it). */
  lastEventId?: string;
  /** Record each event's arrival time in `log.receivedAt`. */
  timestamps?: boolean;
  /**
   * When a stream or socket ends (its server died, a cut), connect again from the last cursor,
   * as the site's clients do; `log.connections` counts the connections made. Polls always go on.
   */
  reconnect?: boolean;
}

/** How long a reconnecting reader waits before it connects again. */
const RECONNECT_DELAY_MS = 100;

const newLog = (options: ReaderOptions): ReaderLog => (options.timestamps ? { events: [], resyncs: 0, receivedAt: [] } : { events: [], resyncs: 0 });

const query = (options: ReaderOptions, after: string | undefined, extra = '') =>
  `channel=${options.channel}&client=${options.client}${after === undefined ? '' : `&after=${after}`}${extra}`;

function pollReader(path: string, extra: string, options: ReaderOptions): Reader {
  const log = newLog(options);
  const controller = new AbortController();
  let cursor = options.after;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`${options.baseUrl}${path}?${query(options, cursor, extra)}`, { signal: controller.signal });
        const reply = (await response.json()) as PollReply;
        if (reply.resync) log.resyncs++;
        logEvents(log, reply.events);
        cursor = log.cursor = reply.cursor;
        if (reply.more) continue; // the rest of a paged backlog is ready now
      } catch {
        if (controller.signal.aborted) return;
      }
      if (options.pollIntervalMs) await new Promise((r) => setTimeout(r, options.pollIntervalMs));
    }
  })();
  return { log, stop: async () => (controller.abort(), loop) };
}

/**
 * A long HTTP response, parsed by its media type (the two standard streaming formats), so a
 * new streaming transport is read without a reader of its own.
 */
/** One connection of a stream or socket reader: it ends by itself (cut) or by `stop`. */
interface Connection {
  ended: Promise<void>;
  stop(): Promise<void>;
}

function streamConnection(path: string, options: ReaderOptions, log: ReaderLog, after: string | undefined): Connection {
  const controller = new AbortController();
  const lastEventId = after === options.after ? options.lastEventId : after;
  const headers: Record<string, string> = lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) };
  const ended = (async () => {
    try {
      const response = await fetch(`${options.baseUrl}${path}?${query(options, after)}`, { signal: controller.signal, headers });
      const feed = streamParser(response.headers.get('content-type') ?? '', log);
      if (!feed) throw new Error(`${path}: not a stream (${response.status})`);
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted, or cut by the server: the log holds what arrived (tests assert on it)
    }
  })();
  return { ended, stop: async () => (controller.abort(), ended) };
}

function socketConnection(path: string, options: ReaderOptions, log: ReaderLog, after: string | undefined): Connection {
  const wsUrl = options.baseUrl.replace(/^http/, 'ws');
  const socket = new WebSocket(`${wsUrl}${path}?${query(options, after)}`);
  socket.on('message', (data) => receiveMessage(log, JSON.parse(String(data)) as FeedSocketMessage));
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    ended,
    stop: async () => {
      if (socket.readyState === WebSocket.CONNECTING) await new Promise((r) => socket.once('open', r));
      socket.close(1000);
      await ended;
    },
  };
}

/** A stream or socket reader: one connection, or (`reconnect`) one after another from the last cursor. */
function connectionReader(connect: typeof streamConnection, path: string, options: ReaderOptions): Reader {
  const log: ReaderLog = { ...newLog(options), connections: 1 };
  let connection = connect(path, options, log, options.after);
  let stopped = false;
  const done = (async () => {
    await connection.ended;
    while (options.reconnect && !stopped) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
      if (stopped) break;
      log.connections!++;
      connection = connect(path, options, log, log.cursor ?? options.after);
      await connection.ended;
    }
  })();
  return {
    log,
    stop: async () => {
      stopped = true;
      await connection.stop();
      await done;
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
      return connectionReader(streamConnection, path, options);
    case 'socket':
      return connectionReader(socketConnection, path, options);
  }
}
