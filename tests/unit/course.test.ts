import { describe, expect, it } from 'vitest';
import { courseFor } from '../../src/lib/course.ts';

const entry = (id: string, order: number) => ({ id, data: { order } });

describe('courseFor', () => {
  const entries = [
    entry('zh/02-b', 2),
    entry('en/02-b', 2),
    entry('zh/01-a', 1),
    entry('en/01-a', 1),
    entry('zh/03-only-chinese', 3),
    entry('zh/glossary', 99),
    entry('en/glossary', 99),
  ];

  it('orders the lessons and leaves the glossary out', () => {
    expect(courseFor(entries, 'zh').map((item) => item.slug)).toEqual(['01-a', '02-b', '03-only-chinese']);
  });

  it('keeps a lesson missing in English, marked as a fallback to the Chinese entry', () => {
    const missing = courseFor(entries, 'en').find((item) => item.slug === '03-only-chinese')!;
    expect(missing).toMatchObject({ fallback: true, entry: { id: 'zh/03-only-chinese' } });
    expect(courseFor(entries, 'en').filter((item) => item.fallback)).toHaveLength(1);
  });
});
