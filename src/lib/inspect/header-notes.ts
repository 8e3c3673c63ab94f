// What each line of the reader's handshake means, who put it there and what the other side has
// to check: the content of the handshake viewer's explanations, in both languages.
// Lookup is by lowercase header name; anything unknown gets a generic note instead of nothing,
// because browsers and proxies add headers we cannot list in advance.

import type { Locale } from '../../i18n/ui.ts';
import type { HeadLine } from './http-head.ts';

/** Who decides a line: the browser on its own, the page's script, or the server. */
export type SetBy = 'browser' | 'page' | 'server';
export type HeadSide = 'request' | 'response';
type Text = Record<Locale, string>;

export interface HeaderNote {
  /** Stable id: the lowercase header name, or 'request-line' / 'status-line' / 'end' / 'other'. */
  id: string;
  setBy: SetBy[];
  meaning: Text;
  /** Request lines: what a server must check. Response lines: what the browser checks. */
  check?: Text;
}

const REQUEST: Record<string, Omit<HeaderNote, 'id'>> = {
  'request-line': {
    setBy: ['page', 'browser'],
    meaning: {
      zh: '方法、路径、HTTP 版本。路径来自页面传给 new WebSocket(url) 的 URL；ws:// 或 wss:// 只出现在 URL 里，不出现在请求行。',
      en: 'Method, path, HTTP version. The path comes from the URL the page passed to new WebSocket(url); ws:// or wss:// appears only in that URL, never in the request line.',
    },
    check: {
      zh: '方法必须是 GET、版本至少 HTTP/1.1；路径要对应一个 WebSocket 端点，否则回 404。',
      en: 'The method must be GET and the version at least HTTP/1.1; the path must name a WebSocket endpoint, otherwise answer 404.',
    },
  },
  host: {
    setBy: ['browser'],
    meaning: { zh: '目标主机和端口，取自 URL，和任何 HTTP 请求一样。', en: 'The host and port from the URL, as in any HTTP request.' },
    check: { zh: '是否是本服务器负责的主机名（虚拟主机）。', en: 'That it names a host this server serves (virtual hosting).' },
  },
  connection: {
    setBy: ['browser'],
    meaning: {
      zh: '告诉下一跳：Upgrade 头部是给你的。它是逐跳（hop-by-hop）头部，反向代理默认会丢掉它，所以 nginx 要显式转发。',
      en: 'Tells the next hop that the Upgrade header is meant for it. It is hop-by-hop, so reverse proxies drop it unless told to forward it (nginx needs explicit config).',
    },
    check: {
      zh: '值里要含有 Upgrade 这个记号（不区分大小写，可能是 keep-alive, Upgrade 这样的列表）。',
      en: 'That it contains the token Upgrade (case-insensitive; it may be a list such as keep-alive, Upgrade).',
    },
  },
  upgrade: {
    setBy: ['browser'],
    meaning: { zh: '想切换到的协议：websocket。', en: 'The protocol to switch to: websocket.' },
    check: { zh: '值必须是 websocket（不区分大小写），否则这不是 WebSocket 握手。', en: 'That it is websocket (case-insensitive); otherwise this is not a WebSocket handshake.' },
  },
  origin: {
    setBy: ['browser'],
    meaning: {
      zh: '发起连接的页面的源（协议 + 主机 + 端口）。由浏览器填写，页面脚本改不了。浏览器允许任何页面连接任何服务器，而且会带上 Cookie。',
      en: 'The origin (scheme + host + port) of the page that opened the socket. The browser fills it in; page script cannot change it. Browsers let any page connect to any server, cookies included.',
    },
    check: {
      zh: '必须对照白名单检查 Origin，不在名单上就回 403。否则恶意网站可以用用户的 Cookie 以用户身份打开连接：跨站 WebSocket 劫持（CSWSH）。我们的服务器只接受同源和 localhost。',
      en: 'Origin must be checked against an allowlist, answering 403 otherwise. If not, a malicious site can open a socket with the user’s cookies and act as the user: Cross-Site WebSocket Hijacking (CSWSH). Our server accepts only its own origin and localhost.',
    },
  },
  'sec-websocket-key': {
    setBy: ['browser'],
    meaning: {
      zh: '浏览器为这一次连接生成的 16 个随机字节，base64 编码成 24 个字符。每次连接都不同；下面的计算器就从它开始。',
      en: '16 random bytes the browser drew for this connection, base64-encoded into 24 characters. A new one every time; the calculator below starts from it.',
    },
    check: {
      zh: '必须存在，且是 16 字节的 base64（24 个字符，以 == 结尾），否则回 400。服务器把它接上 GUID 算 SHA-1，得到 Sec-WebSocket-Accept。',
      en: 'It must be present and be base64 of 16 bytes (24 characters ending in ==), otherwise 400. The server appends the GUID and hashes it with SHA-1 into Sec-WebSocket-Accept.',
    },
  },
  'sec-websocket-version': {
    setBy: ['browser'],
    meaning: { zh: 'RFC 6455 的协议版本号，固定是 13（不是某些文章说的 17）。', en: 'The RFC 6455 protocol version, always 13 (not 17, as some articles say).' },
    check: {
      zh: '必须是 13；不支持时回 426 Upgrade Required，并在 Sec-WebSocket-Version 里列出自己支持的版本。',
      en: 'It must be 13; otherwise answer 426 Upgrade Required with the supported versions in Sec-WebSocket-Version.',
    },
  },
  'sec-websocket-extensions': {
    setBy: ['browser'],
    meaning: {
      zh: '浏览器提议的扩展：permessage-deflate（RFC 7692，按消息压缩），client_max_window_bits 是它的参数。只是提议：服务器要在 101 里回同名头部才算接受。我们的服务器没有接受，所以帧不压缩，RSV1 一直是 0。',
      en: 'Extensions the browser offers: permessage-deflate (RFC 7692, per-message compression), with client_max_window_bits as a parameter. Only an offer: the server accepts by echoing it in the 101. Ours does not, so frames are not compressed and RSV1 stays 0.',
    },
    check: {
      zh: '只接受自己实现了的扩展和参数；不回这个头部就等于全部拒绝，连接照样建立。',
      en: 'Accept only extensions and parameters it implements; leaving the header out of the 101 declines them all, and the connection still opens.',
    },
  },
  'sec-websocket-protocol': {
    setBy: ['page'],
    meaning: { zh: '子协议列表，来自 new WebSocket(url, protocols) 的第二个参数。', en: 'The subprotocols from the second argument of new WebSocket(url, protocols).' },
    check: { zh: '至多选一个自己支持的，原样写进 101 的同名头部。', en: 'Pick at most one it supports and echo it in the 101’s header of the same name.' },
  },
  cookie: {
    setBy: ['page', 'browser'],
    meaning: {
      zh: '这个主机的 Cookie 照常随握手发送。demo=hello 是本演示连接前用 document.cookie 设置的，无害。浏览器 WebSocket API 不能加自定义头部（包括 Authorization），所以 Cookie 常被用来认证。',
      en: 'The cookies for this host ride along as usual. demo=hello was set by this demo with document.cookie just before connecting; it is harmless. The browser WebSocket API cannot add custom headers (not even Authorization), so cookies are a common way to authenticate.',
    },
    check: {
      zh: '用 Cookie 认证时，正因为任何网站打开的连接都会带上它，所以必须同时检查 Origin。',
      en: 'If cookies authenticate the socket, Origin must be checked too, precisely because a socket opened by any site carries them.',
    },
  },
  'user-agent': {
    setBy: ['browser'],
    meaning: { zh: '浏览器的标识，和普通请求一样；握手本身不用它。', en: 'The browser’s identification, as on any request; the handshake itself does not use it.' },
  },
  'accept-encoding': {
    setBy: ['browser'],
    meaning: {
      zh: 'HTTP 内容编码（gzip、br……），和普通请求一样顺手带上。101 没有响应体，所以它在这里没用；WebSocket 的压缩靠的是 permessage-deflate 扩展。',
      en: 'HTTP content codings (gzip, br…), added as on any request. A 101 has no body, so it has no use here; WebSocket compression is the permessage-deflate extension instead.',
    },
  },
  'accept-language': {
    setBy: ['browser'],
    meaning: { zh: '界面语言偏好，和普通请求一样；握手不用它。', en: 'Language preferences, as on any request; the handshake does not use them.' },
  },
  pragma: {
    setBy: ['browser'],
    meaning: { zh: '老式的 no-cache：和 Cache-Control 一起告诉缓存别拿旧回答顶替，握手必须到达服务器。', en: 'The old form of no-cache: with Cache-Control it tells caches not to answer from storage; a handshake has to reach the server.' },
  },
  'cache-control': {
    setBy: ['browser'],
    meaning: { zh: 'no-cache：告诉路上的缓存不要用存下来的响应回答，握手必须到达服务器。', en: 'no-cache: tells caches on the way not to answer from storage; a handshake has to reach the server.' },
  },
  'sec-fetch-': {
    setBy: ['browser'],
    meaning: {
      zh: 'Fetch 元数据：浏览器告诉服务器这个请求是怎么发起的（模式 websocket、是否同站）。页面改不了。',
      en: 'Fetch metadata: the browser tells the server how this request came about (mode websocket, same site or not). Pages cannot change it.',
    },
    check: { zh: '可以作为 Origin 检查之外的第二道防线。', en: 'It can back up the Origin check as a second line of defence.' },
  },
};

const RESPONSE: Record<string, Omit<HeaderNote, 'id'>> = {
  'status-line': {
    setBy: ['server'],
    meaning: {
      zh: '101 Switching Protocols：服务器同意升级。这一行之后的空行一结束，HTTP 就结束了，连接上只剩帧。',
      en: '101 Switching Protocols: the server agrees to upgrade. Once the blank line after the headers is sent, HTTP is over; only frames follow.',
    },
    check: {
      zh: '浏览器要求状态码是 101；200、403、404 都算失败，页面只看到 error 和 code 1006 的 close，看不到真实状态码。',
      en: 'The browser requires 101; 200, 403 or 404 all fail the connection, and the page sees only an error and a close with code 1006, never the real status.',
    },
  },
  upgrade: {
    setBy: ['server'],
    meaning: { zh: '确认切换到的协议。', en: 'Confirms the protocol switched to.' },
    check: { zh: '浏览器要求值是 websocket。', en: 'The browser requires websocket.' },
  },
  connection: {
    setBy: ['server'],
    meaning: { zh: '和请求里一样，说明这是一次升级。', en: 'As in the request: this response is an upgrade.' },
    check: { zh: '浏览器要求含有 Upgrade。', en: 'The browser requires it to contain Upgrade.' },
  },
  'sec-websocket-accept': {
    setBy: ['server'],
    meaning: {
      zh: 'base64(SHA-1(Sec-WebSocket-Key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))。证明服务器真的读了这一次的 key、懂 WebSocket；它不是安全机制，算法是公开的。',
      en: 'base64(SHA-1(Sec-WebSocket-Key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)). Proves the server read this connection’s key and speaks WebSocket; it is not a security measure, the algorithm is public.',
    },
    check: {
      zh: '浏览器自己也算一遍，对不上就判定握手失败。下面的计算器用你的 key 重算一遍。',
      en: 'The browser computes it too and fails the handshake on a mismatch. The calculator below recomputes it from your key.',
    },
  },
  'sec-websocket-extensions': {
    setBy: ['server'],
    meaning: { zh: '服务器接受的扩展，必须是浏览器提议过的。', en: 'The extension the server accepted; it must be one the browser offered.' },
    check: { zh: '浏览器拒绝没提议过的扩展。', en: 'The browser fails the connection on an extension it did not offer.' },
  },
  'sec-websocket-protocol': {
    setBy: ['server'],
    meaning: { zh: '服务器选中的子协议，页面里是 ws.protocol。', en: 'The subprotocol the server chose; the page reads it as ws.protocol.' },
    check: { zh: '必须是浏览器列出的之一。', en: 'It must be one the browser listed.' },
  },
};

const END: Omit<HeaderNote, 'id'> = {
  setBy: [],
  meaning: {
    zh: '空行（只有 CRLF）：头部到此结束。握手请求没有正文；101 之后，下一个字节就是第一个 WebSocket 帧。',
    en: 'The empty line (just CRLF) ends the head. The upgrade request has no body; after the 101, the very next byte starts the first WebSocket frame.',
  },
};

const OTHER: Record<HeadSide, Omit<HeaderNote, 'id'>> = {
  request: {
    setBy: ['browser'],
    meaning: {
      zh: 'WebSocket 握手用不到的头部：浏览器（或路上的代理）顺手加上的，服务器可以忽略。',
      en: 'A header the WebSocket handshake does not use: added by the browser (or a proxy on the way); the server may ignore it.',
    },
  },
  response: {
    setBy: ['server'],
    meaning: { zh: '服务器多加的头部，握手并不需要它。', en: 'An extra header from the server; the handshake does not need it.' },
  },
};

/** The note for one line of a head. */
export function headerNote(line: HeadLine, side: HeadSide): HeaderNote {
  if (line.kind === 'start') {
    const id = side === 'request' ? 'request-line' : 'status-line';
    return { id, ...(side === 'request' ? REQUEST[id]! : RESPONSE[id]!) };
  }
  if (line.kind === 'end') return { id: 'end', ...END };
  const name = (line.name ?? '').toLowerCase();
  const table = side === 'request' ? REQUEST : RESPONSE;
  const known = table[name] ?? (side === 'request' && name.startsWith('sec-fetch-') ? table['sec-fetch-'] : undefined);
  return known ? { id: name, ...known } : { id: 'other', ...OTHER[side] };
}

/** The headers whose lines the viewer marks as the WebSocket handshake proper. */
export const HANDSHAKE_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'upgrade',
  'origin',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]);
