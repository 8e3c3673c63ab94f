import type { FeedEvent } from '../../src/protocol/feed.ts';
import type { RoomCreated, RoomEvent } from '../../src/protocol/rooms.ts';
import { transportSpec, type TransportName } from '../../src/protocol/transports.ts';
import { startReader, type Reader, type ReaderLog } from './feed-readers.ts';

export interface ApiReply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A POST with a JSON body (a string is sent as is), optionally as the teacher. */
export async function post<T = any>(url: string, body: unknown = {}, teacherKey?: string): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (teacherKey !== undefined) headers.authorization = `Bearer ${teacherKey}`;
  const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export async function get<T = any>(url: string): Promise<ApiReply<T>> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export async function createRoom(baseUrl: string): Promise<RoomCreated> {
  const reply = await post<RoomCreated>(`${baseUrl}/api/rooms`);
  if (reply.status !== 201) throw new Error(`POST /api/rooms: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export const roomData = (event: FeedEvent) => event.data as RoomEvent;

/**
 * A simulated phone: joins the room on one transport and reads its channel through that
 * transport's real protocol (startReader). `resume()` reconnects from the cursor it last saw,
 * as the phone page does after a dropped connection; `events` spans every connection.
 */
export class Phone {
  private readonly logs: ReaderLog[] = [];
  private reader: Reader | null = null;

  constructor(
    readonly baseUrl: string,
    readonly room: RoomCreated,
    readonly client: string,
    readonly transport: TransportName,
  ) {}

  async join(): Promise<ApiReply<{ transport: TransportName; channel: string; cursor: string }>> {
    return post(`${this.baseUrl}/api/rooms/${this.room.room}/join`, { client: this.client, transport: this.transport });
  }

  read(after: string): void {
    this.reader = startReader(this.transport, { baseUrl: this.baseUrl, channel: this.room.channel, client: this.client, after });
    this.logs.push(this.reader.log);
  }

  /** Streams and sockets end when cut and must reconnect; a poll reader asks again by itself. */
  get reconnects(): boolean {
    return transportSpec(this.transport).kind !== 'poll';
  }

  async resume(): Promise<void> {
    const cursor = this.reader!.log.cursor!;
    await this.reader!.stop();
    this.read(cursor);
  }

  get events(): FeedEvent[] {
    return this.logs.flatMap((log) => log.events);
  }

  get resyncs(): number {
    return this.logs.reduce((sum, log) => sum + log.resyncs, 0);
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
  }
}
