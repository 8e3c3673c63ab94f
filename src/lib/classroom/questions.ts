// The lessons' check-yourself questions as the projector gets them: read from the lesson
// frontmatter at build time (the page passes them to the island), sent to the phones without
// the answer, revealed on the projector afterwards.
import type { QuestionRequest } from '../../protocol/rooms.ts';

export type LessonQuestion =
  | { id: string; kind: 'choice'; prompt: string; choices: string[]; answer: number; explanation: string }
  | { id: string; kind: 'number'; prompt: string; answer: number; tolerance: number; explanation: string };

export interface ClassroomQuestion {
  lessonTitle: string;
  lessonOrder: number;
  /** The lesson's page: its live demo is where the class observes what it predicted. */
  lessonUrl: string;
  question: LessonQuestion;
}

/** What the phones get: prompt and choices, never the answer or the explanation. */
export function questionRequest({ question }: ClassroomQuestion): QuestionRequest {
  return question.kind === 'choice' ? { id: question.id, prompt: question.prompt, choices: question.choices } : { id: question.id, prompt: question.prompt };
}

/** The bars of the answer histogram: every choice (even unchosen), or each number answered, ascending. */
export function answerBars(question: LessonQuestion, counts: Record<string, number>): { label: string; value: number; count: number }[] {
  if (question.kind === 'choice') return question.choices.map((label, index) => ({ label, value: index, count: counts[String(index)] ?? 0 }));
  return Object.entries(counts)
    .map(([value, count]) => ({ label: value, value: Number(value), count }))
    .sort((a, b) => a.value - b.value);
}

/** Whether a bar is the right answer (a number question's within its tolerance). */
export function isRightAnswer(question: LessonQuestion, value: number): boolean {
  return question.kind === 'choice' ? value === question.answer : Math.abs(value - question.answer) <= question.tolerance;
}
