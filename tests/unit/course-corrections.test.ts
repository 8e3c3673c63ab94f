import { describe, expect, it } from 'vitest';
import { readLessons } from '../helpers/lessons.ts';

// Issue 11, "The course, right to the line": every correction is present in both languages.
// Each check names the fact it guards; the patterns are deliberately about facts (numbers,
// identifiers, code), with one wording per language where prose is the fact.

const lessons = readLessons();
const text = (locale: 'zh' | 'en', slug: string) => {
  const lesson = lessons.find((l) => l.locale === locale && l.slug === slug);
  if (!lesson) throw new Error(`${locale}/${slug} is missing`);
  return lesson.body;
};
const raw = (locale: 'zh' | 'en', slug: string) => {
  const lesson = lessons.find((l) => l.locale === locale && l.slug === slug)!;
  return JSON.stringify(lesson.frontmatter) + '\n' + lesson.body;
};
/** The fenced code block that contains `marker`. */
const codeBlock = (body: string, marker: string) => {
  const block = [...body.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  if (!block) throw new Error(`no code block with ${marker}`);
  return block;
};

type Fact = { name: string; slug: string; zh: RegExp[]; en: RegExp[]; not?: { zh?: RegExp[]; en?: RegExp[] } };

const FACTS: Fact[] = [
  {
    name: '1. Cloudflare: proxy read timeout 120 s, error 524 (not ~100 s)',
    slug: '03-long-polling',
    zh: [/Cloudflare \| 代理读超时 120 秒/, /524/],
    en: [/Cloudflare \| proxy read timeout 120 s/, /524/],
    not: { zh: [/Cloudflare \| 约 100 秒/], en: [/Cloudflare \| about 100 s/] },
  },
  {
    name: '2. EventSource: non-200 or a wrong Content-Type fails it for good (a proxy 502/503)',
    slug: '04-server-sent-events',
    zh: [/只在网络错误之后自动重连/, /状态码不是 200/, /`Content-Type` 不是 `text\/event-stream`/, /从此不再重试/, /502/, /503/],
    en: [/only after a network error/, /status other than 200/, /`Content-Type` other than `text\/event-stream`/, /never retries/, /502/, /503/],
  },
  {
    name: '3a. lesson 07: stop() cancels the scheduled reconnect',
    slug: '07-browser-api',
    zh: [/timer = setTimeout\(open/, /stop\(\) \{[\s\S]*?clearTimeout\(timer\)/],
    en: [/timer = setTimeout\(open/, /stop\(\) \{[\s\S]*?clearTimeout\(timer\)/],
  },
  {
    name: '3b. lesson 07: sendAll stops waiting when the socket is no longer OPEN',
    slug: '07-browser-api',
    zh: [/while \(ws\.bufferedAmount > HIGH_WATER\) \{\n\s*if \(ws\.readyState !== WebSocket\.OPEN\) throw/],
    en: [/while \(ws\.bufferedAmount > HIGH_WATER\) \{\n\s*if \(ws\.readyState !== WebSocket\.OPEN\) throw/],
    not: { zh: [/while \(ws\.bufferedAmount > HIGH_WATER\) await sleep/], en: [/while \(ws\.bufferedAmount > HIGH_WATER\) await sleep/] },
  },
  {
    name: '4a. setInterval against a slow server: the rate stays the same, the number in flight grows',
    slug: '02-short-polling',
    zh: [/请求照样每秒发一个，但在途的请求越积越多/, /请求速率始终是每秒一个，并不会变多/, /发送速率并不会变/, /增长的是同时在途的请求数/],
    en: [/Requests still go out once a second, but more and more are in flight/, /The request rate stays at one a second; it does not grow/, /The sending rate does not change/, /what grows is the number in flight/],
    not: { zh: [/收到的请求反而越多/, /服务器越慢收到的请求越多/], en: [/the more requests it (gets|receives)/] },
  },
  {
    name: '4b. the long-poll sketch uses one listener, not one per waiter (MaxListenersExceededWarning)',
    slug: '03-long-polling',
    zh: [/MaxListenersExceededWarning/, /const waiting = new Set\(\)/],
    en: [/MaxListenersExceededWarning/, /const waiting = new Set\(\)/],
  },
  {
    name: "5a. Node's keepAliveTimeout: 5 s up to Node 24, 65 s in the next major",
    slug: '02-short-polling',
    zh: [/`keepAliveTimeout` 默认只有 5 秒（直到 Node 24/, /65 秒/],
    en: [/`keepAliveTimeout` is only 5 s by default \(in every released version up to Node 24/, /65 s/],
  },
  {
    name: '5b. cookies on the handshake follow SameSite and third-party cookie blocking (05)',
    slug: '05-websocket-handshake',
    zh: [/\| `Cookie` \| [^\n]*SameSite[^\n]*第三方 Cookie/],
    en: [/\| `Cookie` \| [^\n]*SameSite[^\n]*third-party cookie/],
  },
  {
    name: '5b. cookies on the handshake follow SameSite and third-party cookie blocking (10)',
    slug: '10-security',
    zh: [/`SameSite=None`/, /Chrome 按 Lax 处理/, /Safari 默认全部拦截/, /检查 Origin 不能省/],
    en: [/`SameSite=None`/, /Chrome treats a cookie without a SameSite attribute as Lax/, /Safari blocks them all by default/, /checking Origin stays mandatory/],
  },
  {
    name: '5b. cookies on the handshake follow SameSite (11)',
    slug: '11-misconceptions',
    zh: [/按 SameSite 规则附带 cookie/],
    en: [/carries cookies under SameSite rules/],
  },
  {
    name: '5c. the typical Chrome request shows sec-ch-ua and Sec-Fetch-*',
    slug: '01-why-http-cant-push',
    zh: [/^sec-ch-ua: /m, /^sec-ch-ua-mobile: /m, /^Sec-Fetch-Site: /m, /^Sec-Fetch-Mode: /m, /^Sec-Fetch-Dest: /m],
    en: [/^sec-ch-ua: /m, /^sec-ch-ua-mobile: /m, /^Sec-Fetch-Site: /m, /^Sec-Fetch-Mode: /m, /^Sec-Fetch-Dest: /m],
  },
  {
    name: '5d. the largest frame length is 2^63−1',
    slug: '10-security',
    zh: [/2⁶³−1 字节/],
    en: [/2⁶³−1 bytes/],
  },
  {
    name: '5e. the close-code table lists 1003, 1007 and 1015',
    slug: '06-websocket-frames',
    zh: [/^\| 1003 \|/m, /^\| 1007 \|/m, /^\| 1015 \|/m],
    en: [/^\| 1003 \|/m, /^\| 1007 \|/m, /^\| 1015 \|/m],
  },
  {
    name: '5f. dead-peer detection is not absolute (08)',
    slug: '08-servers',
    zh: [/往往没有 FIN 或 RST/, /并不能保证连接不断/],
    en: [/usually never comes back/, /they do not prevent one/],
    not: { zh: [/都不会有 FIN 或 RST/], en: [/in none of these cases does a FIN or RST/] },
  },
  {
    name: '5f. dead-peer detection is not absolute (04)',
    slug: '04-server-sent-events',
    zh: [/TCP 重传超时/, /悄无声息地死了/, /readyState 一直停在 OPEN/],
    en: [/retransmissions time out/, /dies silently/, /readyState stays OPEN/],
    not: { zh: [/也能及时发现客户端已经离开/], en: [/learns promptly that the client has gone/] },
  },
  {
    name: '5g. a declined deflate offer: not "only" an unoffered extension fails the handshake',
    slug: '05-websocket-handshake',
    zh: [/或者扩展参数不合规/],
    en: [/or parameters that break the extension's rules/],
    not: { zh: [/只有服务器回了浏览器没提议过的扩展/], en: [/Only an extension the browser did not offer/] },
  },
  {
    name: '5h. quiz 02 empty-replies: exactly every 10 s',
    slug: '02-short-polling',
    zh: [/恰好每 10 秒产生一个事件/],
    en: [/exactly one event every 10 s/],
  },
  {
    name: '6a. 长连接 / 短连接 / 持久连接 / 长轮询 untangled in lesson 01',
    slug: '01-why-http-cant-push',
    zh: [/^## 长连接、短连接、持久连接、长轮询$/m, /\*\*短连接\*\*/, /\*\*持久连接\*\*/, /\*\*长连接\*\*/, /\*\*长轮询\*\*：不是一种连接/],
    en: [/^## Long and short connections, persistent connections, long polling$/m, /\*\*Short connection\*\*/, /\*\*Persistent connection\*\*/, /\*\*Long connection\*\*/, /\*\*Long polling\*\*: not a kind of connection/],
  },
  {
    name: '6a. 长连接 in the glossary',
    slug: 'glossary',
    zh: [/<h3 id="long-connection">长连接与短连接/],
    en: [/<h3 id="long-connection">Long and short connections/],
  },
  {
    name: '6b. the request line is origin-form, not GET ws://; Key is a nonce; Accept is derived; TCP before HTTP; roles differ',
    slug: '11-misconceptions',
    zh: [/`GET \/ws\/chat HTTP\/1\.1`/, /一次性数（nonce）/, /s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/, /先是 TCP 三次握手/, /“客户端和服务器完全平等”/, /WebSocket 是持久化协议，HTTP 是非持久的/],
    en: [/`GET \/ws\/chat HTTP\/1\.1`/, /16-byte nonce/, /s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/, /first the TCP three-way handshake/, /"Client and server are fully equal"/, /WebSocket is a persistent protocol, HTTP is not/],
  },
  {
    name: '6c. the servers lesson names µWebSockets and WebSocket-Node',
    slug: '08-servers',
    zh: [/µWebSockets/, /WebSocket-Node/],
    en: [/µWebSockets/, /WebSocket-Node/],
  },
  {
    name: '8. 06 says 绕回, not 轮回',
    slug: '06-websocket-frames',
    zh: [/又绕回到第一个键字节/],
    en: [/./],
    not: { zh: [/轮回/] },
  },
];

describe('issue 11: the course, right to the line', () => {
  describe.each(FACTS.map((f) => [f.name, f] as const))('%s', (_name, fact) => {
    it.each(['zh', 'en'] as const)('in %s', (locale) => {
      const body = raw(locale, fact.slug);
      for (const pattern of fact[locale]) expect(body, `${locale}/${fact.slug} ${pattern}`).toMatch(pattern);
      for (const pattern of fact.not?.[locale] ?? []) expect(body, `${locale}/${fact.slug} ${pattern}`).not.toMatch(pattern);
    });
  });

  it.each(['zh', 'en'] as const)('04: the %s sample rebuilds the EventSource with backoff when readyState is CLOSED', (locale) => {
    const code = codeBlock(text(locale, '04-server-sent-events'), 'new EventSource(');
    expect(code).toMatch(/function connect\(\)/);
    expect(code).toMatch(/readyState === EventSource\.CONNECTING\)[\s\S]*return;/);
    expect(code).toMatch(/source\.close\(\);\s*\n[\s\S]*setTimeout\(connect, retryDelay\)/);
    expect(code).toMatch(/retryDelay = Math\.min\(retryDelay \* 2, 30_000\)/);
    expect(code).toMatch(/onopen = \(\) => \{ retryDelay = 1000; \}/);
  });

  it.each(['zh', 'en'] as const)('03: the %s long-poll sketch registers one feed listener, not one per request', (locale) => {
    const code = codeBlock(text(locale, '03-long-polling'), 'handleLongPoll');
    expect(code).not.toMatch(/once\(feed/);
    expect(code.match(/feed\.on\(/g)).toHaveLength(1);
    expect(code).toMatch(/waiting\.delete\(done\)/);
    expect(code).toMatch(/res\.once\('close', done\)/);
  });

  it('quiz 11 no longer repeats quiz 05 (ws-version)', () => {
    for (const locale of ['zh', 'en'] as const) {
      const ids = lessons.find((l) => l.locale === locale && l.slug === '11-misconceptions')!.frontmatter.questions.map((q) => q.id);
      expect(ids).not.toContain('ws-version');
      expect(ids).toContain('ws-request-line');
    }
  });

  describe.each(lessons.map((l) => [`${l.locale}/${l.slug}`, l] as const))('%s', (_name, lesson) => {
    const all = JSON.stringify(lesson.frontmatter) + '\n' + lesson.body;

    it('7. cites no source article by its internal number', () => {
      expect(all).not.toMatch(/\barticles? 00[0-4]/i);
      expect(all).not.toMatch(/articles 00[0-4] and 00[0-4]/i);
      expect(all).not.toMatch(/文章 ?00[0-4]/);
      expect(all).not.toMatch(/素材来源/);
      expect(all).not.toMatch(/\((00[0-4])\)/);
      expect(all).not.toMatch(/source articles?/i);
      expect(all).not.toMatch(/源文章|原文里/);
    });

    it('7. prints no unlinked source note (frontmatter sources stay empty)', () => {
      expect((lesson.frontmatter as { sources?: string[] }).sources ?? []).toEqual([]);
    });

    if (lesson.slug !== 'glossary') {
      it('7. ends with a linked references section', () => {
        const heading = lesson.locale === 'zh' ? '## 参考资料' : '## References';
        const section = lesson.body.slice(lesson.body.lastIndexOf(heading));
        expect(lesson.body).toContain(heading);
        expect(section).toMatch(/\]\(https:\/\/[^)\s]+\)/);
      });
    }

    if (lesson.locale === 'zh') {
      it('8. uses one quotation style (“”), never 「」', () => {
        expect(all).not.toMatch(/[「」]/);
      });

      it('8. one term per idea: 掩码键, 对方, 连锁, 回声服务', () => {
        expect(all).not.toMatch(/掩码密钥/);
        expect(all).not.toMatch(/对面/);
        expect(all).not.toMatch(/链式/);
        expect(all).not.toMatch(/回显服务/);
        expect(all).not.toMatch(/三位邻居|邻居|赛跑/);
        expect(all).not.toMatch(/轮回/);
      });
    }
  });

  it.each(['12-delivery-and-scaling', '13-mobile-and-page-lifecycle', '14-streaming-over-fetch'])(
    'new lesson %s exists in both languages, with check-yourself questions and a live demo',
    (slug) => {
      for (const locale of ['zh', 'en'] as const) {
        const lesson = lessons.find((l) => l.locale === locale && l.slug === slug);
        expect(lesson, `${locale}/${slug}`).toBeTruthy();
        expect(lesson!.frontmatter.questions.length).toBeGreaterThanOrEqual(3);
        expect(lesson!.frontmatter.demos.length).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('12 teaches at-most/at-least-once, idempotency, Pub/Sub vs Streams/Kafka and sticky sessions; 13 NAT, radio tail, bfcache, Web Push', () => {
    for (const locale of ['zh', 'en'] as const) {
      const twelve = text(locale, '12-delivery-and-scaling');
      for (const word of ['at-most-once', 'at-least-once', 'Redis Pub/Sub', 'Redis Streams', 'Kafka', 'XREAD', '400 Session ID unknown', '#idempotency', '#sticky-session']) {
        expect(twelve.toLowerCase(), `${locale}/12 ${word}`).toContain(word.toLowerCase());
      }
      const thirteen = text(locale, '13-mobile-and-page-lifecycle');
      for (const word of ['RFC 5382', 'visibilitychange', 'pagehide', 'event.persisted', 'userVisibleOnly', 'VAPID', '#bfcache', '#web-push']) {
        expect(thirteen, `${locale}/13 ${word}`).toContain(word);
      }
      const fourteen = text(locale, '14-streaming-over-fetch');
      for (const word of ['AbortController', "method: 'POST'", 'TextDecoderStream', "once(res, 'drain'", '524']) {
        expect(fourteen, `${locale}/14 ${word}`).toContain(word);
      }
    }
  });

  it('11 names the traceable Chinese introductions with links', () => {
    for (const locale of ['zh', 'en'] as const) {
      const body = text(locale, '11-misconceptions');
      expect(body).toContain('](https://www.ruanyifeng.com/blog/2017/05/websocket.html)');
      expect(body).toContain('](https://blog.csdn.net/qq_54773998/article/details/123863493)');
    }
  });
});
