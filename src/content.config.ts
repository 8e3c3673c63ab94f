import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';
import { DEMO_NAMES } from './components/demo-names.ts';

const question = z.discriminatedUnion('kind', [
  z.object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.literal('choice'),
    prompt: z.string().min(1),
    choices: z.array(z.string().min(1)).min(2),
    answer: z.number().int().min(0),
    explanation: z.string().min(1),
  }),
  z.object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.literal('number'),
    prompt: z.string().min(1),
    answer: z.number(),
    tolerance: z.number().min(0).default(0),
    explanation: z.string().min(1),
  }),
]);

/** The lessons and the glossary, one MDX file per language at mirrored paths (content/README.md). */
const lessons = defineCollection({
  loader: glob({ pattern: '{zh,en}/*.mdx', base: './content' }),
  schema: z
    .object({
      title: z.string().min(1),
      summary: z.string().min(1),
      order: z.number().int().min(1),
      sources: z.array(z.enum(['000', '001', '002', '003', '004'])),
      demos: z.array(z.enum(DEMO_NAMES)),
      questions: z.array(question).default([]),
    })
    .refine((lesson) => lesson.order === 99 || lesson.questions.length > 0, {
      message: 'every lesson needs at least one check-yourself question',
    })
    .refine((lesson) => lesson.questions.every((q) => q.kind !== 'choice' || q.answer < q.choices.length), {
      message: 'a choice answer must index one of its choices',
    }),
});

export const collections = { lessons };
