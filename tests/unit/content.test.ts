import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lessonSchema } from '../../src/lib/lesson-schema.ts';
import { readLessons } from '../helpers/lessons.ts';

const lessons = readLessons();
const byLocale = (locale: 'zh' | 'en') => new Map(lessons.filter((l) => l.locale === locale).map((l) => [l.slug, l]));
const zh = byLocale('zh');
const en = byLocale('en');
const glossaryIds = (locale: 'zh' | 'en') =>
  new Set([...(locale === 'zh' ? zh : en).get('glossary')!.body.matchAll(/<h3 id="([a-z0-9-]+)"/g)].map((m) => m[1]));

const REQUIRED_SLUGS = [
  '01-why-http-cant-push',
  '02-short-polling',
  '03-long-polling',
  '04-server-sent-events',
  '05-websocket-handshake',
  '06-websocket-frames',
  '07-browser-api',
  '08-servers',
  '09-comparing-and-choosing',
  '10-security',
  '11-misconceptions',
  'glossary',
];

describe('content', () => {
  it('has every lesson of the course, in Chinese and in English', () => {
    for (const slug of REQUIRED_SLUGS) {
      expect(zh.has(slug), `zh/${slug}`).toBe(true);
      expect(en.has(slug), `en/${slug}`).toBe(true);
    }
  });

  describe.each(lessons.map((l) => [`${l.locale}/${l.slug}`, l] as const))('%s', (_name, lesson) => {
    it('has frontmatter that fits the schema', () => {
      const parsed = lessonSchema.safeParse(lesson.frontmatter);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    });

    it('embeds exactly the demos its frontmatter lists, in order', () => {
      const embedded = [...lesson.body.matchAll(/<Demo name="([a-z-]+)"\s*\/>/g)].map((m) => m[1]);
      expect(embedded).toEqual(lesson.frontmatter.demos);
    });

    it('links only to lessons and glossary entries that exist, in its own language', () => {
      const links = [...lesson.body.matchAll(/\]\((\/[^)\s]+)\)/g)].map((m) => m[1]!);
      for (const link of links) {
        expect(link.startsWith(`/${lesson.locale}/`), link).toBe(true);
        const glossary = /^\/(zh|en)\/glossary\/#([a-z0-9-]+)$/.exec(link);
        if (glossary) expect(glossaryIds(lesson.locale).has(glossary[2]), link).toBe(true);
        const other = /^\/(zh|en)\/lessons\/([a-z0-9-]+)\/(#.*)?$/.exec(link);
        if (other) expect(existsSync(`content/${other[1]}/${other[2]}.mdx`), link).toBe(true);
        expect(glossary ?? other, `${link} is neither a lesson nor a glossary link`).toBeTruthy();
      }
    });
  });

  describe.each([...zh.keys()])('zh/%s and its English twin', (slug) => {
    it('have the same order, sources, demos and questions (ids, kinds, answers)', () => {
      const a = zh.get(slug)!.frontmatter;
      const b = en.get(slug)!.frontmatter;
      expect(b.order).toBe(a.order);
      expect(b.demos).toEqual(a.demos);
      const shape = (q: (typeof a.questions)[number]) =>
        q.kind === 'choice' ? [q.id, q.kind, q.answer, q.choices.length] : [q.id, q.kind, q.answer, q.tolerance ?? 0];
      expect(b.questions.map(shape)).toEqual(a.questions.map(shape));
    });
  });

  it('gives both glossaries the same entries', () => {
    expect([...glossaryIds('en')]).toEqual([...glossaryIds('zh')]);
    expect(glossaryIds('zh').size).toBeGreaterThanOrEqual(30);
  });
});
