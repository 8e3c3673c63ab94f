import { getCollection, type CollectionEntry } from 'astro:content';
import { LOCALES, type Locale } from '../i18n/ui.ts';

export type LessonEntry = CollectionEntry<'lessons'>;

/** "zh/02-short-polling" → { locale: "zh", slug: "02-short-polling" } */
export function splitId(id: string): { locale: Locale; slug: string } {
  const [locale, ...rest] = id.split('/');
  return { locale: locale as Locale, slug: rest.join('/') };
}

/** Every slug in either language, with each language's entry (undefined where missing). */
export async function lessonsBySlug(): Promise<Map<string, Partial<Record<Locale, LessonEntry>>>> {
  const bySlug = new Map<string, Partial<Record<Locale, LessonEntry>>>();
  for (const entry of await getCollection('lessons')) {
    const { locale, slug } = splitId(entry.id);
    bySlug.set(slug, { ...bySlug.get(slug), [locale]: entry });
  }
  return bySlug;
}

/** The course in order for one language, falling back to the other language's entry. */
export async function courseFor(locale: Locale): Promise<{ slug: string; entry: LessonEntry; fallback: boolean }[]> {
  const bySlug = await lessonsBySlug();
  return [...bySlug.entries()]
    .map(([slug, entries]) => {
      const own = entries[locale];
      const entry = own ?? entries[LOCALES.find((l) => entries[l])!]!;
      return { slug, entry, fallback: !own };
    })
    .filter(({ entry }) => entry.data.order !== 99)
    .sort((a, b) => a.entry.data.order - b.entry.data.order);
}

export const lessonUrl = (locale: Locale, slug: string) => (slug === 'glossary' ? `/${locale}/glossary/` : `/${locale}/lessons/${slug}/`);
