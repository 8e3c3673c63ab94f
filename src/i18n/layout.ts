// Strings of the page frame added for issue #11 (tables, code, theme, projector, header search).
// Kept apart from ui.ts so parallel work on other strings does not collide.
import type { Locale } from './ui.ts';

const zh = {
  'table.label': '表格（可横向滚动）',
  'table.scrollHint': '左右滑动查看整张表 →',
  'code.copy': '复制',
  'code.copied': '已复制',
  'code.copyLabel': '复制这段代码',
  'theme.label': '配色',
  'theme.system': '跟随系统',
  'theme.light': '浅色',
  'theme.dark': '深色',
  'projector.label': '投影模式（大字号、宽图表）',
  'projector.short': '投影',
  'search.label': '搜索课程',
  'search.placeholder': '搜索…',
  'search.intro': '在全部中文课程里搜索。',
  'nav.course': '全部课程',
  'quiz.retry': '换一个答案再检查一次，或者直接看答案。',
  'quiz.reveal': '看答案',
} as const;

export type LayoutKey = keyof typeof zh;

const en: Record<LayoutKey, string> = {
  'table.label': 'Table (scrolls sideways)',
  'table.scrollHint': 'Swipe sideways to see the whole table →',
  'code.copy': 'Copy',
  'code.copied': 'Copied',
  'code.copyLabel': 'Copy this code',
  'theme.label': 'Colour scheme',
  'theme.system': 'System',
  'theme.light': 'Light',
  'theme.dark': 'Dark',
  'projector.label': 'Projector mode (large type, wide charts)',
  'projector.short': 'Projector',
  'search.label': 'Search the lessons',
  'search.placeholder': 'Search…',
  'search.intro': 'Searches every lesson in English.',
  'nav.course': 'All lessons',
  'quiz.retry': 'Change your answer and check again, or see the answer.',
  'quiz.reveal': 'Show the answer',
};

const STRINGS: Record<Locale, Record<LayoutKey, string>> = { zh, en };

export function lt(lang: Locale, key: LayoutKey): string {
  return STRINGS[lang][key];
}
