// What every field of a frame means, with a sentence about the value this frame actually has:
// the content of the frame inspector's explanations, in both languages (RFC 6455 §5.2–§7.4).

import type { DecodedFrame } from '../../protocol/frame-codec.ts';
import type { Locale } from '../../i18n/ui.ts';
import { ti } from '../../i18n/inspect.ts';
import type { FieldName } from './frame-view.ts';

type Text = Record<Locale, string>;

export const FIELD_TITLES: Record<FieldName, Text> = {
  fin: { zh: 'FIN', en: 'FIN' },
  rsv1: { zh: 'RSV1', en: 'RSV1' },
  rsv2: { zh: 'RSV2', en: 'RSV2' },
  rsv3: { zh: 'RSV3', en: 'RSV3' },
  opcode: { zh: '操作码 opcode', en: 'Opcode' },
  mask: { zh: 'MASK', en: 'MASK' },
  payloadLength: { zh: '载荷长度（7 位）', en: 'Payload length (7 bits)' },
  extendedLength: { zh: '扩展长度', en: 'Extended length' },
  maskingKey: { zh: '掩码键', en: 'Masking key' },
  payload: { zh: '载荷', en: 'Payload' },
};

const MEANING: Record<FieldName, Text> = {
  fin: { zh: '1 表示这是消息的最后一帧。', en: '1 means this is the last frame of its message.' },
  rsv1: {
    zh: '留给扩展用：permessage-deflate 用它标记“这条消息压缩过”。没有协商扩展时必须是 0。',
    en: 'Reserved for extensions: permessage-deflate uses it to flag a compressed message. It must be 0 unless an extension was negotiated.',
  },
  rsv2: { zh: '保留位，没有协商扩展时必须是 0。', en: 'Reserved; must be 0 unless an extension says otherwise.' },
  rsv3: { zh: '保留位，没有协商扩展时必须是 0。', en: 'Reserved; must be 0 unless an extension says otherwise.' },
  opcode: { zh: '帧的类型：0 延续、1 文本、2 二进制、8 关闭、9 ping、10 pong。', en: 'The frame type: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong.' },
  mask: { zh: '载荷是否加了掩码。客户端发出的帧必须是 1，服务器发出的帧必须是 0。', en: 'Whether the payload is masked. Client frames must have 1, server frames 0.' },
  payloadLength: {
    zh: '0–125 就是长度本身；126 表示后面 2 字节是真正的长度；127 表示后面 8 字节是。',
    en: '0–125 is the length itself; 126 means the next 2 bytes hold the real length; 127 means the next 8 bytes do.',
  },
  extendedLength: {
    zh: '真正的载荷长度，大端序（网络字节序）。必须用最短的写法：小于 126 不能写成 16 位，小于 65536 不能写成 64 位。',
    en: 'The real payload length, big-endian (network byte order). The shortest form is required: below 126 may not use 16 bits, below 65,536 may not use 64.',
  },
  maskingKey: {
    zh: '浏览器为这一帧随机选的 4 个字节。载荷第 i 个字节和 key[i % 4] 异或（XOR）。它以明文放在载荷前面，所以掩码不是加密，是为了防止中间设备缓存投毒。',
    en: 'Four random bytes the browser chose for this frame. Payload byte i is XORed with key[i % 4]. The key travels in the clear right before the payload: masking is not encryption, it defeats cache poisoning by middleboxes.',
  },
  payload: { zh: '应用数据，线上的原样字节。', en: 'The application data, as the bytes on the wire.' },
};

const OPCODE_NAMES: Record<number, Text> = {
  0: { zh: '延续帧', en: 'continuation' },
  1: { zh: '文本', en: 'text' },
  2: { zh: '二进制', en: 'binary' },
  8: { zh: '关闭', en: 'close' },
  9: { zh: 'ping', en: 'ping' },
  10: { zh: 'pong', en: 'pong' },
};

export function opcodeName(opcode: number, lang: Locale): string {
  return OPCODE_NAMES[opcode]?.[lang] ?? `0x${opcode.toString(16)}`;
}

const CLOSE_CODES: Record<number, Text> = {
  1000: { zh: '正常关闭', en: 'normal closure' },
  1001: { zh: '离开（页面跳走、服务器关机）', en: 'going away (page left, server shutting down)' },
  1002: { zh: '协议错误', en: 'protocol error' },
  1003: { zh: '不支持的数据类型', en: 'unsupported data' },
  1005: { zh: '没有状态码（只在本地报告）', en: 'no status code (reported locally only)' },
  1006: { zh: '异常断开，没收到关闭帧（只在本地报告）', en: 'abnormal closure, no close frame (reported locally only)' },
  1007: { zh: '数据与类型不符（例如无效 UTF-8）', en: 'invalid payload data (e.g. bad UTF-8)' },
  1008: { zh: '违反策略', en: 'policy violation' },
  1009: { zh: '消息太大', en: 'message too big' },
  1011: { zh: '服务器内部错误', en: 'internal server error' },
  1012: { zh: '服务重启', en: 'service restart' },
  1013: { zh: '稍后再试', en: 'try again later' },
};

/** A close code's meaning, with the 3000–4999 ranges. */
export function closeCodeMeaning(code: number, lang: Locale): string {
  const known = CLOSE_CODES[code]?.[lang];
  if (known) return known;
  if (code >= 4000 && code <= 4999) return lang === 'zh' ? '应用私用（4000–4999）' : 'private use by applications (4000–4999)';
  if (code >= 3000 && code <= 3999) return lang === 'zh' ? '留给库和框架注册（3000–3999）' : 'registered by libraries and frameworks (3000–3999)';
  return lang === 'zh' ? '未定义' : 'not defined';
}

/** A close reason in quotes, or a word saying there is none (an empty reason is common). */
export function quoteReason(reason: string, lang: Locale): string {
  return reason === '' ? ti(lang, 'fi.noReason') : ti(lang, 'fi.quoted', { text: reason });
}

/** What this frame's value of the field says, in one sentence. */
function valueSentence(name: FieldName, frame: DecodedFrame, lang: Locale): string {
  const zh = lang === 'zh';
  switch (name) {
    case 'fin':
      return frame.fin
        ? zh ? '这里是 1：这条消息的最后一帧（这里也是唯一一帧）。' : 'Here 1: the last frame of its message (here, the only one).'
        : zh ? '这里是 0：后面还有延续帧。' : 'Here 0: continuation frames follow.';
    case 'rsv1':
    case 'rsv2':
    case 'rsv3':
      return frame[name]
        ? zh ? '这里是 1：只有协商了扩展才允许。' : 'Here 1: only allowed with a negotiated extension.'
        : zh ? '这里是 0：握手里服务器没有接受 permessage-deflate，没有压缩。' : 'Here 0: the server declined permessage-deflate in the handshake, so nothing is compressed.';
    case 'opcode':
      return zh ? `这里是 ${frame.opcode}：${opcodeName(frame.opcode, lang)}。` : `Here ${frame.opcode}: ${opcodeName(frame.opcode, lang)}.`;
    case 'mask':
      return frame.masked
        ? zh ? '这里是 1：浏览器发出的帧，必须加掩码。' : 'Here 1: a frame from the browser, which must be masked.'
        : zh ? '这里是 0：服务器发出的帧，从不加掩码，所以也没有掩码键。' : 'Here 0: a frame from the server, never masked, so there is no masking key.';
    case 'payloadLength': {
      const seven = frame.lengthEncoding === 7 ? frame.payloadLength : frame.lengthEncoding === 16 ? 126 : 127;
      if (seven < 126) return zh ? `这里是 ${seven}：载荷就是 ${seven} 字节，不需要扩展长度。` : `Here ${seven}: the payload is ${seven} bytes, no extended length needed.`;
      return seven === 126
        ? zh ? '这里是 126：真正的长度在后面 2 字节（16 位）里。' : 'Here 126: the real length is in the next 2 bytes (16 bits).'
        : zh ? '这里是 127：真正的长度在后面 8 字节（64 位）里。' : 'Here 127: the real length is in the next 8 bytes (64 bits).';
    }
    case 'extendedLength':
      return zh ? `这里是 ${frame.payloadLength} 字节（${frame.lengthEncoding} 位）。` : `Here ${frame.payloadLength} bytes (${frame.lengthEncoding} bits).`;
    case 'maskingKey':
      return zh ? '下面的表格把每个字节和它对应的键字节异或。' : 'The table below XORs every byte with its key byte.';
    case 'payload':
      if (frame.opcode === 8 && frame.closeCode !== undefined) {
        return zh
          ? `关闭帧：前 2 字节是状态码 ${frame.closeCode}（${closeCodeMeaning(frame.closeCode, lang)}），其余是 UTF-8 原因。`
          : `A close frame: the first 2 bytes are code ${frame.closeCode} (${closeCodeMeaning(frame.closeCode, lang)}), the rest a UTF-8 reason.`;
      }
      if (frame.opcode >= 9) return zh ? 'ping/pong 的载荷：pong 必须原样带回 ping 的载荷。' : 'The ping/pong payload: a pong must carry back the ping’s payload.';
      return frame.masked
        ? zh ? '线上是掩码后的字节；解掩码后才是真正的数据。' : 'On the wire these are masked; unmask them to get the data.'
        : zh ? '没有掩码，线上的字节就是数据本身。' : 'Unmasked: the bytes on the wire are the data itself.';
  }
}

/** The full explanation of a field of this frame: what the field is, then what its value says. */
export function fieldNote(name: FieldName, frame: DecodedFrame, lang: Locale): { title: string; meaning: string; value: string } {
  return { title: FIELD_TITLES[name][lang], meaning: MEANING[name][lang], value: valueSentence(name, frame, lang) };
}
