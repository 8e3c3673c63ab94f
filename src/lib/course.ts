import { LOCALES, type Locale } from '../i18n/ui.ts';
import { GLOSSARY_ORDER } from './lesson-schema.ts';

/** The least of a collection entry the course needs: its id ("zh/02-short-polling") and order. */
export interface CourseEntry {
  id: string;
  data: { order: number };
}

export interface CourseItem<E extends CourseEntry> {
  slug: string;
  entry: E;
  /** True when this language has no translation and the other language's entry stands in. */
  fallback: boolean;
}

/** "zh/02-short-polling" → { locale: "zh", slug: "02-short-polling" } */
export function splitId(id: string): { locale: Locale; slug: string } {
  const [locale, ...rest] = id.split('/');
  return { locale: locale as Locale, slug: rest.join('/') };
}

/** Entries grouped by slug, one per language where it exists. */
export function bySlug<E extends CourseEntry>(entries: E[]): Map<string, Partial<Record<Locale, E>>> {
  const grouped = new Map<string, Partial<Record<Locale, E>>>();
  for (const entry of entries) {
    const { locale, slug } = splitId(entry.id);
    grouped.set(slug, { ...grouped.get(slug), [locale]: entry });
  }
  return grouped;
}

/**
 * The course in order for one language. A lesson missing in this language is still listed, with
 * the other language's entry and `fallback: true`, so the page can say the translation is missing.
 */
export function courseFor<E extends CourseEntry>(entries: E[], locale: Locale): CourseItem<E>[] {
  return [...bySlug(entries).entries()]
    .map(([slug, translations]) => {
      const own = translations[locale];
      const entry = own ?? translations[LOCALES.find((l) => translations[l])!]!;
      return { slug, entry, fallback: !own };
    })
    .filter(({ entry }) => entry.data.order !== GLOSSARY_ORDER)
    .sort((a, b) => a.entry.data.order - b.entry.data.order);
}
