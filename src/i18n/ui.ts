// UI strings, one flat key space per locale (Starlight's habit). Chinese is the default.
import type { TransportName } from '../protocol/transports.ts';
export const LOCALES = ['zh', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh';

export const LOCALE_NAMES: Record<Locale, string> = { zh: '中文', en: 'English' };
export const HTML_LANG: Record<Locale, string> = { zh: 'zh-CN', en: 'en' };

const zh = {
  'site.title': '实时通信，看得见',
  'site.tagline': '短轮询、长轮询、SSE、WebSocket 与 fetch 流：在真实服务器上并排比较，每个字节都算清楚。',
  'nav.lessons': '课程',
  'nav.glossary': '术语表',
  'nav.search': '搜索',
  'nav.skip': '跳到正文',
  'nav.switchLanguage': 'English',
  'home.statusTitle': '此刻：每种传输方式同时接收',
  'home.statusIntro': '下面的面板正在用每种传输方式同时接收服务器的 ticker 频道（每秒一条模拟股票行情）。',
  'home.lessonsTitle': '课程目录',
  'home.raceLink': '去看各种传输方式的同场比赛',
  'lesson.toc': '本页目录',
  'lesson.previous': '上一课',
  'lesson.next': '下一课',
  'lesson.checkYourself': '自测',
  'lesson.missingTranslation': '这一课还没有中文版，下面显示的是英文原文。',
  'lesson.lessonN': '第 {n} 课',
  'quiz.check': '检查答案',
  'quiz.correct': '答对了。',
  'quiz.incorrect': '不对，再想想。',
  'quiz.yourAnswer': '你的答案',
  'quiz.numberPlaceholder': '输入一个数字',
  'quiz.tolerance': '（允许误差 ±{t}）',
  'quiz.answerWas': '正确答案：{a}',
  'demo.pending': '这个演示（{name}）正在制作中，完成后会出现在这里。',
  'demo.label': '在线演示',
  'demo.labelPending': '演示',
  'demo.labelServer': '演示（需要服务器）',
  'demo.labelReplay': '演示 · 可看录像（实时运行需要服务器）',
  'demo.labelSample': '演示 · RFC 示例（你自己的连接需要服务器）',
  'status.connecting': '连接中',
  'status.live': '在线',
  'status.retrying': '重连中',
  'status.stopped': '已停止',
  'status.lastEvent': '最新事件',
  'status.events': '已收到',
  'status.none': '尚无',
  'status.resyncs': '重新同步',
  'status.summaryAll': '{n} 种传输方式都连着服务器。',
  'status.summarySome': '{live} / {n} 种传输方式在线，其余正在连接或重连。',
  'status.summaryPaused': '页面在后台时这里不占连接，回到页面后从断点接着收。',
  'server.absentTitle': '这里没有实时服务器。',
  'server.absentBody': '这个网站现在由一个只提供静态文件的主机提供，没有 /api 和 /ws，所以这个演示无法连接。用 npm start 在本机运行完整版本，就能看到真实的数据。',
  'server.checking': '正在确认服务器是否在线…',
  'transport.short-poll': '短轮询',
  'transport.long-poll': '长轮询',
  'transport.sse': 'SSE',
  'transport.websocket': 'WebSocket',
  'transport.fetch-stream': 'Fetch 流',
  'search.title': '搜索课程',
  'search.intro': '在中英文全部课程里搜索。',
  'notFound.title': '找不到这个页面',
  'notFound.body': '地址可能有误，或者页面已经移动。',
  'notFound.home': '回到首页',
  'footer.text': '所有数字都来自真实服务器的实时测量。',
} as const;

export type UiKey = keyof typeof zh;

const en: Record<UiKey, string> = {
  'site.title': 'Realtime, visualized',
  'site.tagline': 'Short polling, long polling, SSE, WebSocket and fetch streaming, side by side on a real server, every byte accounted for.',
  'nav.lessons': 'Lessons',
  'nav.glossary': 'Glossary',
  'nav.search': 'Search',
  'nav.skip': 'Skip to content',
  'nav.switchLanguage': '中文',
  'home.statusTitle': 'Right now: every transport at once',
  'home.statusIntro': 'This panel is receiving the server’s ticker channel (a simulated stock quote every second) every way at once.',
  'home.lessonsTitle': 'Lessons',
  'home.raceLink': 'Watch the transports race',
  'lesson.toc': 'On this page',
  'lesson.previous': 'Previous',
  'lesson.next': 'Next',
  'lesson.checkYourself': 'Check yourself',
  'lesson.missingTranslation': 'This lesson has not been translated into English yet; the Chinese original is shown below.',
  'lesson.lessonN': 'Lesson {n}',
  'quiz.check': 'Check',
  'quiz.correct': 'Correct.',
  'quiz.incorrect': 'Not quite.',
  'quiz.yourAnswer': 'Your answer',
  'quiz.numberPlaceholder': 'Type a number',
  'quiz.tolerance': '(within ±{t})',
  'quiz.answerWas': 'Answer: {a}',
  'demo.pending': 'This demo ({name}) is being built and will appear here.',
  'demo.label': 'Live demo',
  'demo.labelPending': 'Demo',
  'demo.labelServer': 'Demo (needs the server)',
  'demo.labelReplay': 'Demo · recorded replay (live needs the server)',
  'demo.labelSample': 'Demo · the RFC’s example (yours needs the server)',
  'status.connecting': 'connecting',
  'status.live': 'live',
  'status.retrying': 'retrying',
  'status.stopped': 'stopped',
  'status.lastEvent': 'Last event',
  'status.events': 'Received',
  'status.none': 'none yet',
  'status.resyncs': 'resyncs',
  'status.summaryAll': 'All {n} transports are connected to the server.',
  'status.summarySome': '{live} of {n} transports live; the rest are connecting or retrying.',
  'status.summaryPaused': 'While this page is in the background it holds no connections; back here, it resumes where it left off.',
  'server.absentTitle': 'No live server here.',
  'server.absentBody': 'This copy of the site is served by a host that serves only static files, with no /api and no /ws, so this demo cannot connect. Run the full version locally with npm start to see real figures.',
  'server.checking': 'Checking whether the server is there…',
  'transport.short-poll': 'Short polling',
  'transport.long-poll': 'Long polling',
  'transport.sse': 'SSE',
  'transport.websocket': 'WebSocket',
  'transport.fetch-stream': 'Fetch streaming',
  'search.title': 'Search the lessons',
  'search.intro': 'Searches every lesson, in Chinese and English.',
  'notFound.title': 'Page not found',
  'notFound.body': 'The address may be wrong, or the page has moved.',
  'notFound.home': 'Back to the home page',
  'footer.text': 'Every number on this site is measured live on a real server.',
};

/**
 * A lookup over one dictionary per locale, with `{name}` placeholders filled from `values`.
 * Islands with many strings of their own (race, inspectors) make theirs with this too.
 */
export function translator<K extends string>(strings: Record<Locale, Record<K, string>>) {
  return (locale: Locale, key: K, values: Record<string, string | number> = {}): string =>
    strings[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** The site's UI strings. */
// Every transport of the catalog needs its name in both languages (a missing one fails to compile).
zh satisfies Record<`transport.${TransportName}`, string>;
export const t = translator<UiKey>({ zh, en });

export const otherLocale = (locale: Locale): Locale => (locale === 'zh' ? 'en' : 'zh');
