import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface LessonFile {
  locale: 'zh' | 'en';
  slug: string;
  path: string;
  frontmatter: {
    title: string;
    order: number;
    demos: string[];
    questions: ({ id: string; kind: 'choice'; answer: number; choices: string[] } | { id: string; kind: 'number'; answer: number; tolerance?: number })[];
  };
  body: string;
}

/** Every lesson MDX file under content/, with its parsed frontmatter and its body. */
export function readLessons(root = 'content'): LessonFile[] {
  return (['zh', 'en'] as const).flatMap((locale) =>
    readdirSync(join(root, locale))
      .filter((name) => name.endsWith('.mdx'))
      .map((name) => {
        const path = join(root, locale, name);
        const text = readFileSync(path, 'utf8');
        const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
        if (!match) throw new Error(`${path}: no frontmatter`);
        return { locale, slug: name.replace(/\.mdx$/, ''), path, frontmatter: parse(match[1]!), body: match[2]! };
      }),
  );
}

export const pageUrl = (lesson: Pick<LessonFile, 'locale' | 'slug'>) =>
  lesson.slug === 'glossary' ? `/${lesson.locale}/glossary/` : `/${lesson.locale}/lessons/${lesson.slug}/`;
