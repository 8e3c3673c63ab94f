import { getCollection, type CollectionEntry } from 'astro:content';
import type { Locale } from '../i18n/ui.ts';
import { bySlug, courseFor as orderCourse } from './course.ts';

export type LessonEntry = CollectionEntry<'lessons'>;

/** Every slug in either language, with each language's entry (undefined where missing). */
export async function lessonsBySlug() {
  return bySlug(await getCollection('lessons'));
}

/** The course in order for one language, falling back to the other language's entry. */
export async function courseFor(locale: Locale) {
  return orderCourse(await getCollection('lessons'), locale);
}

export const lessonUrl = (locale: Locale, slug: string) => (slug === 'glossary' ? `/${locale}/glossary/` : `/${locale}/lessons/${slug}/`);
