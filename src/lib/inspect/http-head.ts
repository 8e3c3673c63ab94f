// Splits a raw HTTP/1.1 head (request or response, up to and including the blank line) into
// its lines with their byte positions, so the handshake viewer can show every byte, CRLFs
// included, and count them.

import { latin1 } from './bytes.ts';

export type HeadLineKind = 'start' | 'header' | 'end';

export interface HeadLine {
  kind: HeadLineKind;
  /** The line's text without its line ending. */
  text: string;
  /** Byte offset of the line in the head. */
  start: number;
  /** Bytes of the line including its line ending (2 for CRLF; 1 for a bare LF; 0 if none). */
  length: number;
  /** The line ending as found on the wire; HTTP requires CRLF, anything else is shown as is. */
  ending: '\r\n' | '\n' | '';
  /** Header lines: the field name as sent (case kept) and the value without surrounding spaces. */
  name?: string;
  value?: string;
}

/** The lines of a head, in order; the last one is the empty line that ends it ('end'). */
export function parseHead(bytes: Uint8Array): HeadLine[] {
  const text = latin1(bytes);
  const lines: HeadLine[] = [];
  let pos = 0;
  while (pos < text.length) {
    const lf = text.indexOf('\n', pos);
    const stop = lf === -1 ? text.length : lf;
    const crlf = lf > pos && text[lf - 1] === '\r';
    const body = text.slice(pos, crlf ? stop - 1 : stop);
    const ending: HeadLine['ending'] = lf === -1 ? '' : crlf ? '\r\n' : '\n';
    const line: HeadLine = { kind: 'header', text: body, start: pos, length: stop - pos + (lf === -1 ? 0 : 1), ending };
    if (lines.length === 0) line.kind = 'start';
    else if (body === '') line.kind = 'end';
    else {
      const colon = body.indexOf(':');
      line.name = colon === -1 ? body : body.slice(0, colon);
      line.value = colon === -1 ? '' : body.slice(colon + 1).trim();
    }
    lines.push(line);
    if (line.kind === 'end') break;
    pos = lf === -1 ? text.length : lf + 1;
  }
  return lines;
}

/** The value of a header (names compare case-insensitively, as HTTP says), or null. */
export function headerValue(lines: readonly HeadLine[], name: string): string | null {
  const wanted = name.toLowerCase();
  const line = lines.find((l) => l.kind === 'header' && l.name?.toLowerCase() === wanted);
  return line?.value ?? null;
}
