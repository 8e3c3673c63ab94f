// The classroom contract (issue #10) both sides import: the bodies and replies of
// `/api/rooms/*` and the events a room publishes on its feed channel. README "Rooms
// (classroom mode)" documents it; the server validates every body against these bounds.
import type { TransportFigures } from './feed.ts';
import type { TransportName } from './transports.ts';

/** Room codes are read off a projector and typed on phones: no 0/O, 1/I/L look-alikes. */
export const ROOM_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ROOM_CODE_LENGTH = 5;
export const ROOM_CODE_PATTERN = new RegExp(`^[${ROOM_CODE_ALPHABET}]{${ROOM_CODE_LENGTH}}$`);

/** The phone page a join URL points to: `<origin>/<locale>/classroom/join/?room=<code>`. */
export const joinPath = (locale: RoomLocale, room: string) => `/${locale}/classroom/join/?room=${room}`;
export type RoomLocale = 'zh' | 'en';

/** Bounds of the teacher's actions. */
export const ROOM_LIMITS = {
  streamMaxPerSecond: 20,
  streamMaxSeconds: 60,
  pollIntervalMinMs: 100,
  pollIntervalMaxMs: 10_000,
  /** The aggregate keeps this many of the latest buzzes and questions. */
  keptBuzzes: 20,
  keptQuestions: 20,
  keptCuts: 20,
  questionMaxChoices: 8,
  questionPromptMaxChars: 1000,
  questionChoiceMaxChars: 300,
  /** A reported delay outside this range is refused (clock offsets can make it slightly negative). */
  delayMinMs: -10_000,
  delayMaxMs: 600_000,
  /** A phone's time to recover from a cut, and the events it found missing afterwards. */
  recoveryMaxMs: 600_000,
  gapsMax: 1_000_000,
} as const;

/** Body of `POST /api/rooms` (optional): the locale of the join URL's phone page. */
export interface CreateRoomRequest {
  locale?: RoomLocale;
}

/** `201` reply of `POST /api/rooms`. Keep `teacherKey` secret: it drives the room. */
export interface RoomCreated {
  room: string;
  teacherKey: string;
  channel: string;
  /** The best join URL: PUBLIC_ORIGIN's, else the first LAN address's, else loopback's. */
  joinUrl: string;
  /** Every candidate join URL (one per LAN IPv4 address when listening on all interfaces). */
  joinUrls: string[];
  /** False when phones cannot reach the server (it listens on loopback): see `reason`. */
  reachable: boolean;
  reason?: string;
  /** The room ends after this long without any request about it. */
  idleTimeoutMs: number;
}

/** Body of `POST /api/rooms/<code>/join`. `transport`: honoured; otherwise the room assigns one. */
export interface JoinRequest {
  client: string;
  transport?: TransportName;
}

export interface JoinReply {
  transport: TransportName;
  channel: string;
  /** Where a new reader starts (live from now); a phone that rejoins keeps its own cursor. */
  cursor: string;
  /** The room's short-poll interval, changed live by a `switch` event. */
  pollIntervalMs: number;
}

/** Body of `POST /api/rooms/<code>/stream`: `perSecond` events a second for `seconds` seconds. */
export interface StreamRequest {
  perSecond: number;
  seconds: number;
}

/**
 * Body of `POST /api/rooms/<code>/switch`: `transport` moves everyone to it (null: back to a
 * balanced assignment; phones join again to learn theirs), `pollIntervalMs` sets the room's
 * short-poll interval. At least one of the two.
 */
export interface SwitchRequest {
  transport?: TransportName | null;
  pollIntervalMs?: number;
}

/**
 * Body of `POST /api/rooms/<code>/question`: one of the lessons' check-yourself questions, as
 * the teacher's page read it from the lesson frontmatter (it has them at build time; the
 * server carries the question and counts answers, it does not know the right one).
 * `choices` for a choice question (answers are indexes), none for a number question.
 */
export interface QuestionRequest {
  id: string;
  prompt: string;
  choices?: string[];
}

/**
 * Body of `POST /api/rooms/<code>/reports`: a buzz's delay, an answer to a question, or how a
 * phone came through a cut (`cut`: the cut's id; `recoveryMs`: from the cut event's `at` to the
 * moment it was reading again, clock-corrected; `gaps`: events it found missing, which must be 0).
 */
export type ReportRequest =
  | { client: string; seq: number; delayMs: number }
  | { client: string; question: string; answer: number }
  | { client: string; cut: number; recoveryMs: number; gaps: number };

export interface ReportReply {
  /** False when this client had already reported this buzz or answered this question (ignored). */
  counted: boolean;
}

/** Replies of the teacher's actions. */
export interface BuzzReply {
  id: number;
  seq: number;
}
export interface StreamReply {
  events: number;
}
export interface SwitchReply {
  transport: TransportName | null;
  pollIntervalMs: number;
}
export interface CutReply {
  /** Connections of the room's channel cut: streams, sockets and held long polls. */
  disconnected: number;
}
export interface QuestionReply {
  id: string;
  seq: number;
}

/** The data of the events a room publishes on its channel. */
export type RoomEvent =
  | { kind: 'buzz'; id: number }
  | { kind: 'stream'; stream: number; index: number; of: number }
  | { kind: 'switch'; transport: TransportName | null; pollIntervalMs: number }
  | { kind: 'cut'; id: number }
  | { kind: 'question'; id: string; prompt: string; choices?: string[] };

/** `GET /api/rooms/<code>`: the projector's view. No names and no client ids. */
export interface RoomAggregate {
  room: string;
  channel: string;
  /** Members per transport (a member that joins again is still one). */
  members: Record<TransportName, number>;
  /** The transport everyone was switched to, or null (balanced). */
  transport: TransportName | null;
  pollIntervalMs: number;
  /** The latest buzzes, oldest first; each reported delay (ms) per transport, sorted ascending. */
  buzzes: { id: number; seq: number; at: number; delays: Record<TransportName, number[]> }[];
  /** The latest questions, oldest first; `counts`: answers by value (a choice's index). */
  questions: { id: string; prompt: string; choices?: string[]; seq: number; counts: Record<string, number> }[];
  /** The latest cuts, oldest first; per transport each reported recovery (ms, ascending) and the gaps reported, summed. */
  cuts: { id: number; seq: number; at: number; recoveries: Record<TransportName, number[]>; gaps: Record<TransportName, number> }[];
  /** The running stream, if any: events published so far of `of`. */
  stream: { id: number; perSecond: number; sent: number; of: number } | null;
  /** The ledger per transport, summed over the room's members' client ids. */
  ledger: Record<TransportName, TransportFigures>;
  idleTimeoutMs: number;
}
