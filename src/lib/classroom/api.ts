// The classroom's calls to `/api/rooms/*` (README "Rooms (classroom mode)"), for the projector
// and the phone. Errors keep the race's distinction: no server at all versus the server said no.
import type {
  JoinReply,
  QuestionRequest,
  ReportReply,
  ReportRequest,
  RoomAggregate,
  RoomCreated,
  RoomLocale,
  StreamRequest,
  SwitchRequest,
} from '../../protocol/rooms.ts';
import type { TransportName } from '../../protocol/transports.ts';
import { ServerRefusedError, ServerUnreachableError } from '../race/api.ts';

export { ServerRefusedError, ServerUnreachableError };

async function callJson<T>(path: string, init: RequestInit & { json?: unknown; teacherKey?: string } = {}): Promise<T> {
  const { json, teacherKey, ...rest } = init;
  const headers: Record<string, string> = {};
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (teacherKey !== undefined) headers.authorization = `Bearer ${teacherKey}`;
  let response: Response;
  try {
    response = await fetch(path, { cache: 'no-store', ...rest, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  } catch {
    throw new ServerUnreachableError(`no answer from ${path}`);
  }
  // A static host answers unknown paths with an HTML page; only our API speaks JSON.
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) throw new ServerUnreachableError(`${path}: ${response.status} without JSON`);
  const body: unknown = await response.json();
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new ServerRefusedError(response.status, error?.code ?? 'unknown', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

const roomPath = (room: string, action = '') => `/api/rooms/${encodeURIComponent(room)}${action}`;

export const createRoom = (locale: RoomLocale) => callJson<RoomCreated>('/api/rooms', { method: 'POST', json: { locale } });

export const fetchAggregate = (room: string, signal?: AbortSignal) => callJson<RoomAggregate>(roomPath(room), { signal });

/** The five actions that need the teacher key, each with its body type. */
export interface TeacherBodies {
  buzz: Record<string, never>;
  stream: StreamRequest;
  switch: SwitchRequest;
  cut: Record<string, never>;
  question: QuestionRequest;
}

export function teacherAction<A extends keyof TeacherBodies>(room: string, teacherKey: string, action: A, body: TeacherBodies[A]) {
  return callJson<unknown>(roomPath(room, `/${action}`), { method: 'POST', json: body, teacherKey });
}

export const joinRoom = (room: string, client: string, transport?: TransportName) =>
  callJson<JoinReply>(roomPath(room, '/join'), { method: 'POST', json: transport ? { client, transport } : { client } });

export const sendReport = (room: string, report: ReportRequest) => callJson<ReportReply>(roomPath(room, '/reports'), { method: 'POST', json: report });

/** `true` when the room is gone (404): a remembered room that ended while the page was closed. */
export const isGone = (error: unknown) => error instanceof ServerRefusedError && error.status === 404;
