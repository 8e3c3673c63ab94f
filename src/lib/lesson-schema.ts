import { z } from 'zod';
import { DEMO_NAMES } from '../components/demo-names.ts';

// The frontmatter of a lesson (content/README.md). Shared by the content collection and the
// unit tests, so both judge the files by the same rules.

const questionId = z.string().regex(/^[a-z0-9-]+$/, 'ids are lowercase-kebab');

const question = z.discriminatedUnion('kind', [
  z.object({
    id: questionId,
    kind: z.literal('choice'),
    prompt: z.string().min(1),
    choices: z.array(z.string().min(1)).min(2),
    answer: z.number().int().min(0),
    explanation: z.string().min(1),
  }),
  z.object({
    id: questionId,
    kind: z.literal('number'),
    prompt: z.string().min(1),
    answer: z.number(),
    tolerance: z.number().min(0).default(0),
    explanation: z.string().min(1),
  }),
]);

/** `order: 99` marks the glossary, the one page allowed no questions. */
export const GLOSSARY_ORDER = 99;

export const lessonSchema = z
  .object({
    title: z.string().min(1),
    summary: z.string().min(1),
    order: z.number().int().min(1),
    sources: z.array(z.enum(['000', '001', '002', '003', '004'])),
    demos: z.array(z.enum(DEMO_NAMES)),
    questions: z.array(question).default([]),
  })
  .strict()
  .refine((lesson) => lesson.order === GLOSSARY_ORDER || lesson.questions.length > 0, {
    message: 'every lesson needs at least one check-yourself question',
  })
  .refine((lesson) => lesson.questions.every((q) => q.kind !== 'choice' || q.answer < q.choices.length), {
    message: 'a choice answer must index one of its choices',
  });
