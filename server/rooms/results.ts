import { ROOM_LIMITS, type RoomAggregate } from '../../src/protocol/rooms.ts';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';

interface Buzz {
  id: number;
  seq: number;
  at: number;
  delays: Record<TransportName, number[]>;
  reported: Set<string>;
}

interface Question {
  id: string;
  prompt: string;
  choices?: string[];
  seq: number;
  counts: Map<string, number>;
  answered: Set<string>;
}

interface Cut {
  id: number;
  seq: number;
  at: number;
  recoveries: Record<TransportName, number[]>;
  gaps: Record<TransportName, number>;
  reported: Set<string>;
}

const perTransport = <T>(make: () => T) => Object.fromEntries(TRANSPORTS.map((name) => [name, make()])) as unknown as Record<TransportName, T>;

export type ReportOutcome = 'counted' | 'duplicate' | 'unknown' | 'out_of_range';

/** Keeps a map at its newest `max` entries (Map order is insertion order). */
function keepNewest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value!);
}

/**
 * What a room's phones reported: each buzz's delays per transport, each question's answer
 * counts and each cut's recoveries and gaps, one report per client per buzz, question or cut (a repeat is ignored, not an error: phones
 * retry on a flaky network). Only the latest buzzes and questions are kept, so a room's memory
 * is bounded by ROOM_LIMITS × its members.
 */
export class RoomResults {
  private readonly buzzes = new Map<number, Buzz>(); // by the buzz event's seq
  private readonly questions = new Map<string, Question>(); // by question id
  private readonly cuts = new Map<number, Cut>(); // by cut id

  addBuzz(id: number, seq: number, at: number): void {
    this.buzzes.set(seq, { id, seq, at, delays: perTransport(() => []), reported: new Set() });
    keepNewest(this.buzzes, ROOM_LIMITS.keptBuzzes);
  }

  /** Pushing a question again (same id) starts its count afresh. */
  addQuestion(id: string, prompt: string, choices: string[] | undefined, seq: number): void {
    this.questions.delete(id);
    this.questions.set(id, { id, prompt, choices, seq, counts: new Map(), answered: new Set() });
    keepNewest(this.questions, ROOM_LIMITS.keptQuestions);
  }

  addCut(id: number, seq: number, at: number): void {
    this.cuts.set(id, { id, seq, at, recoveries: perTransport(() => []), gaps: perTransport(() => 0), reported: new Set() });
    keepNewest(this.cuts, ROOM_LIMITS.keptCuts);
  }

  /** Filed under the transport the phone is on when it reports, as a buzz's delay is. */
  reportCut(client: string, transport: TransportName, cutId: number, recoveryMs: number, gaps: number): ReportOutcome {
    const cut = this.cuts.get(cutId);
    if (!cut) return 'unknown';
    if (cut.reported.has(client)) return 'duplicate';
    cut.reported.add(client);
    cut.recoveries[transport].push(recoveryMs);
    cut.gaps[transport] += gaps;
    return 'counted';
  }

  reportDelay(client: string, transport: TransportName, seq: number, delayMs: number): ReportOutcome {
    const buzz = this.buzzes.get(seq);
    if (!buzz) return 'unknown';
    if (buzz.reported.has(client)) return 'duplicate';
    buzz.reported.add(client);
    buzz.delays[transport].push(delayMs);
    return 'counted';
  }

  /** A choice question takes a choice's index; a number question any finite number. */
  answer(client: string, questionId: string, answer: number): ReportOutcome {
    const question = this.questions.get(questionId);
    if (!question) return 'unknown';
    if (question.choices && !(Number.isInteger(answer) && answer >= 0 && answer < question.choices.length)) return 'out_of_range';
    if (question.answered.has(client)) return 'duplicate';
    question.answered.add(client);
    const key = String(answer);
    question.counts.set(key, (question.counts.get(key) ?? 0) + 1);
    return 'counted';
  }

  /** Whether the buzz (by seq), cut (by id) or question (by id) is kept. */
  has(what: { seq: number } | { cut: number } | { question: string }): boolean {
    return 'seq' in what ? this.buzzes.has(what.seq) : 'cut' in what ? this.cuts.has(what.cut) : this.questions.has(what.question);
  }

  summary(): Pick<RoomAggregate, 'buzzes' | 'questions' | 'cuts'> {
    const sorted = (values: Record<TransportName, number[]>) =>
      Object.fromEntries(TRANSPORTS.map((name) => [name, [...values[name]].sort((a, b) => a - b)])) as Record<TransportName, number[]>;
    return {
      buzzes: [...this.buzzes.values()].map(({ id, seq, at, delays }) => ({ id, seq, at, delays: sorted(delays) })),
      questions: [...this.questions.values()].map(({ id, prompt, choices, seq, counts }) => ({
        id,
        prompt,
        ...(choices ? { choices } : {}),
        seq,
        counts: Object.fromEntries(counts),
      })),
      cuts: [...this.cuts.values()].map(({ id, seq, at, recoveries, gaps }) => ({ id, seq, at, recoveries: sorted(recoveries), gaps: { ...gaps } })),
    };
  }
}
