import type { RoomAggregate, SwitchReply } from '../../src/protocol/rooms.ts';
import type { TransportName } from '../../src/protocol/transports.ts';
import { RoomMembers } from './members.ts';
import { RoomResults, type ReportOutcome } from './results.ts';

/**
 * A room's state changes as plain JSON operations: the room is the fold of its log (in memory,
 * or a Redis stream every instance reads, server/rooms/redis-log.ts). Everything an operation
 * depends on travels inside it (ids, seq, times), so every instance that applies the same log
 * reaches the same state and the same outcome for each operation.
 */
export type RoomOperation =
  | { type: 'create'; teacherKey: string; channel: string; pollIntervalMs: number; maxMembers: number }
  | { type: 'join'; client: string; transport?: TransportName }
  | { type: 'switch'; transport?: TransportName | null; pollIntervalMs?: number }
  | { type: 'buzz'; id: number; seq: number; at: number }
  | { type: 'question'; id: string; prompt: string; choices?: string[]; seq: number }
  | { type: 'cut'; id: number; seq: number; at: number }
  | { type: 'report'; client: string; seq: number; delayMs: number }
  | { type: 'report'; client: string; cut: number; recoveryMs: number; gaps: number }
  | { type: 'answer'; client: string; question: string; answer: number }
  | { type: 'stream-start'; id: number; perSecond: number; of: number; at: number };

/** A report's outcome; `not_member`: the client has not joined (as of the report's place in the log). */
export type RoomReportOutcome = ReportOutcome | 'not_member';

/** What applying each kind of operation answers. */
export interface Outcomes {
  create: null;
  join: { transport: TransportName; pollIntervalMs: number } | null;
  switch: SwitchReply;
  buzz: null;
  question: null;
  cut: null;
  report: RoomReportOutcome;
  answer: RoomReportOutcome;
  'stream-start': null;
}
export type OutcomeOf<O extends RoomOperation> = Outcomes[O['type']];

/** The latest stream the teacher started (its events are counted on the channel itself). */
export interface StreamStart {
  id: number;
  perSecond: number;
  of: number;
  at: number;
}

export interface RoomSettings {
  teacherKey: string;
  channel: string;
}

/** The fold. `apply` never reads a clock or a random source. */
export class RoomState {
  private members = new RoomMembers(0);
  private readonly results = new RoomResults();
  private created: RoomSettings | null = null;
  private everyone: TransportName | null = null;
  private pollIntervalMs = 0;
  stream: StreamStart | null = null;

  /** Null until the log's `create` was applied (a log whose start was trimmed never gets one). */
  get settings(): RoomSettings | null {
    return this.created;
  }

  apply(op: RoomOperation): Outcomes[keyof Outcomes] {
    switch (op.type) {
      case 'create':
        this.created = { teacherKey: op.teacherKey, channel: op.channel };
        this.members = new RoomMembers(op.maxMembers);
        this.pollIntervalMs = op.pollIntervalMs;
        return null;
      case 'join': {
        const transport = this.members.join(op.client, op.transport, this.everyone);
        return transport === null ? null : { transport, pollIntervalMs: this.pollIntervalMs };
      }
      case 'switch':
        if (op.pollIntervalMs !== undefined) this.pollIntervalMs = op.pollIntervalMs;
        if (op.transport !== undefined) {
          this.everyone = op.transport;
          this.members.switchAll(op.transport);
        }
        return { transport: this.everyone, pollIntervalMs: this.pollIntervalMs };
      case 'buzz':
        this.results.addBuzz(op.id, op.seq, op.at);
        return null;
      case 'question':
        this.results.addQuestion(op.id, op.prompt, op.choices, op.seq);
        return null;
      case 'cut':
        this.results.addCut(op.id, op.seq, op.at);
        return null;
      case 'report': {
        // Filed under the transport the member is on when the report arrives.
        const transport = this.members.transportOf(op.client);
        if (!transport) return 'not_member';
        return 'seq' in op ? this.results.reportDelay(op.client, transport, op.seq, op.delayMs) : this.results.reportCut(op.client, transport, op.cut, op.recoveryMs, op.gaps);
      }
      case 'answer':
        if (!this.members.transportOf(op.client)) return 'not_member';
        return this.results.answer(op.client, op.question, op.answer);
      case 'stream-start':
        // The last one in the log wins, whichever instance runs it.
        this.stream = { id: op.id, perSecond: op.perSecond, of: op.of, at: op.at };
        return null;
    }
  }

  /** Whether the log recorded the buzz, cut or question a report names. */
  records(what: { seq: number } | { cut: number } | { question: string }): boolean {
    return this.results.has(what);
  }

  clients(): IterableIterator<string> {
    return this.members.clients();
  }

  summary(): Pick<RoomAggregate, 'members' | 'transport' | 'pollIntervalMs' | 'buzzes' | 'questions' | 'cuts'> {
    return { members: this.members.counts(), transport: this.everyone, pollIntervalMs: this.pollIntervalMs, ...this.results.summary() };
  }
}
