import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonSchema } from './lib/lesson-schema.ts';

/** The lessons and the glossary, one MDX file per language at mirrored paths (content/README.md). */
const lessons = defineCollection({
  loader: glob({ pattern: '{zh,en}/*.mdx', base: './content' }),
  schema: lessonSchema,
});

export const collections = { lessons };
