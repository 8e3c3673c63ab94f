// Incremental byte meters for the three shapes of bytes our sockets carry: an HTTP head
// (request or status line + headers, up to CRLF CRLF), an HTTP body (Content-Length, chunked,
// or until close) and RFC 6455 frames. Each `take` consumes bytes from a chunk at an offset
// and says how many it used, so chunk boundaries can fall anywhere.

const HEAD_END = Buffer.from('\r\n\r\n');
/** Node refuses heads over 16 KiB; we stop collecting well past that. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface ParsedHead {
  raw: Buffer;
  startLine: string;
  headers: Map<string, string>;
}

const EMPTY = Buffer.alloc(0);

/**
 * Collects one HTTP head. `take` returns bytes consumed and, once complete, the head. Every
 * connection has two of these for its whole life, so between heads they hold nothing.
 */
export class HeadReader {
  private parts: Buffer[] | null = null;
  private length = 0;
  /** Bytes of a head begun but not finished (counted if the connection closes mid-head). */
  get pendingBytes(): number {
    return this.length;
  }
  /** The last (up to) 3 bytes collected, so a CRLFCRLF split across chunks is still found. */
  private recent = EMPTY;

  take(chunk: Buffer, offset: number): { used: number; head?: ParsedHead; overflow?: boolean } {
    const tail = this.recent;
    const window = tail.length ? Buffer.concat([tail, chunk.subarray(offset)]) : chunk.subarray(offset);
    const end = window.indexOf(HEAD_END);
    if (end === -1) {
      const used = chunk.length - offset;
      (this.parts ??= []).push(chunk.subarray(offset));
      this.length += used;
      this.recent = Buffer.from(window.subarray(-3));
      return this.length > MAX_HEAD_BYTES ? { used, overflow: true } : { used };
    }
    const used = end + HEAD_END.length - tail.length;
    const last = chunk.subarray(offset, offset + used);
    const raw = Buffer.concat(this.parts ? [...this.parts, last] : [last]);
    this.parts = null;
    this.length = 0;
    this.recent = EMPTY;
    return { used, head: parseHead(raw) };
  }
}

function parseHead(raw: Buffer): ParsedHead {
  const lines = raw.toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { raw, startLine: lines[0] ?? '', headers };
}

export type BodyKind = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'until-close' };

export function bodyKindOf(headers: Map<string, string>, fallback: 'none' | 'until-close'): BodyKind {
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) return { kind: 'chunked' };
  const length = Number(headers.get('content-length'));
  if (Number.isSafeInteger(length) && length >= 0) return length === 0 ? { kind: 'none' } : { kind: 'length', length };
  return { kind: fallback };
}

export interface ByteCounts {
  payload: number;
  framing: number;
  frames: number;
}

/**
 * An HTTP body. Payload is the message body; framing is what chunked transfer coding adds
 * (size lines, the CRLF after each chunk, the last chunk and trailers). RFC 9112 §7.1.
 */
export class BodyMeter {
  private remaining: number;
  private chunkState: 'size' | 'data' | 'data-crlf' | 'trailer' = 'size';
  private line = '';
  done = false;

  constructor(private readonly body: BodyKind) {
    this.remaining = body.kind === 'length' ? body.length : 0;
    this.done = body.kind === 'none';
  }

  take(chunk: Buffer, offset: number, counts: ByteCounts): number {
    if (this.body.kind === 'until-close') {
      counts.payload += chunk.length - offset;
      return chunk.length - offset;
    }
    if (this.body.kind === 'length') {
      const used = Math.min(this.remaining, chunk.length - offset);
      this.remaining -= used;
      counts.payload += used;
      this.done = this.remaining === 0;
      return used;
    }
    return this.takeChunked(chunk, offset, counts);
  }

  private takeChunked(chunk: Buffer, start: number, counts: ByteCounts): number {
    let offset = start;
    while (offset < chunk.length && !this.done) {
      if (this.chunkState === 'data') {
        const used = Math.min(this.remaining, chunk.length - offset);
        counts.payload += used;
        offset += used;
        this.remaining -= used;
        if (this.remaining === 0) {
          this.chunkState = 'data-crlf';
          this.remaining = 2;
        }
      } else if (this.chunkState === 'data-crlf') {
        const used = Math.min(this.remaining, chunk.length - offset);
        counts.framing += used;
        offset += used;
        this.remaining -= used;
        if (this.remaining === 0) this.chunkState = 'size';
      } else {
        // A size line ("1a;ext\r\n") or, after the last chunk, trailer lines until an empty one.
        const newline = chunk.indexOf(0x0a, offset);
        const end = newline === -1 ? chunk.length : newline + 1;
        counts.framing += end - offset;
        this.line += chunk.toString('latin1', offset, end);
        offset = end;
        if (newline === -1) continue;
        const line = this.line.trim();
        this.line = '';
        if (this.chunkState === 'trailer') {
          if (line === '') this.done = true;
          continue;
        }
        const size = parseInt(line, 16);
        if (!Number.isFinite(size) || size === 0) this.chunkState = 'trailer';
        else {
          this.chunkState = 'data';
          this.remaining = size;
        }
      }
    }
    return offset - start;
  }
}

/**
 * RFC 6455 §5.2 frames. Frame headers and masking keys are framing; so are control frames
 * (ping, pong, close) whole, since they carry no application data. Data frame payloads are payload.
 * `onFrame`, when given, receives each complete frame's raw bytes (for the frame inspector).
 */
export class FrameMeter {
  /** A frame header split across chunks, while it is collected; most headers arrive whole. */
  private header: Buffer | null = null;
  private headerHave = 0;
  private headerNeed = 2;
  private payloadRemaining = 0;
  private control = false;
  private frameParts: Buffer[] | null = null;
  /** When the frame being read began (epoch ms), 0 between frames: a dripped frame shows here. */
  frameStartedAt = 0;

  constructor(private readonly onFrame?: (raw: Buffer) => void) {}

  take(chunk: Buffer, start: number, counts: ByteCounts): number {
    let offset = start;
    while (offset < chunk.length) {
      if (this.payloadRemaining > 0) {
        const used = Math.min(this.payloadRemaining, chunk.length - offset);
        if (this.control) counts.framing += used;
        else counts.payload += used;
        this.frameParts?.push(chunk.subarray(offset, offset + used));
        offset += used;
        this.payloadRemaining -= used;
        if (this.payloadRemaining === 0) this.endFrame();
        continue;
      }
      if (this.headerHave === 0) {
        this.frameStartedAt = Date.now();
        // The whole header in this chunk (the usual case): read it where it is.
        const available = chunk.length - offset;
        const need = available >= 2 ? headerLength(chunk, offset) : Infinity;
        if (need <= available) {
          counts.framing += need;
          this.beginFrame(chunk, offset, need, counts);
          offset += need;
          continue;
        }
      }
      // A header split across chunks: collected in a small buffer of this meter's, freed once whole
      // (10,000 idle sockets would otherwise keep 10,000 of them).
      const used = Math.min(this.headerNeed - this.headerHave, chunk.length - offset);
      const header = (this.header ??= Buffer.alloc(14));
      chunk.copy(header, this.headerHave, offset, offset + used);
      this.headerHave += used;
      counts.framing += used;
      offset += used;
      if (this.headerHave === 2) this.headerNeed = headerLength(header, 0);
      if (this.headerHave < this.headerNeed) continue;
      const length = this.headerNeed;
      this.header = null;
      this.headerHave = 0;
      this.headerNeed = 2;
      this.beginFrame(header, 0, length, counts);
    }
    return offset - start;
  }

  /** A complete header of `length` bytes at `at` in `bytes`. */
  private beginFrame(bytes: Buffer, at: number, length: number, counts: ByteCounts): void {
    counts.frames++;
    this.control = (bytes[at]! & 0x0f) >= 8;
    this.payloadRemaining = payloadLength(bytes, at);
    if (this.onFrame) this.frameParts = [bytes.subarray(at, at + length)];
    if (this.payloadRemaining === 0) this.endFrame();
  }

  private endFrame(): void {
    this.frameStartedAt = 0;
    if (this.frameParts && this.onFrame) this.onFrame(exactCopy(this.frameParts));
    this.frameParts = null;
  }
}

/** A frame header's length from its first two bytes (at `at`): RFC 6455 §5.2. */
function headerLength(bytes: Buffer, at: number): number {
  const lengthCode = bytes[at + 1]! & 0x7f;
  const masked = (bytes[at + 1]! & 0x80) !== 0;
  return 2 + (lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: Buffer, at: number): number {
  const lengthCode = header[at + 1]! & 0x7f;
  if (lengthCode === 126) return header.readUInt16BE(at + 2);
  if (lengthCode === 127) return Number(header.readBigUInt64BE(at + 2));
  return lengthCode;
}

/**
 * A kept frame in a buffer of its own size: Buffer.concat would slice small frames out of
 * Node's shared 8 KiB pool, and one kept 6-byte frame would then pin the whole slab.
 */
function exactCopy(parts: Buffer[]): Buffer {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const copy = Buffer.allocUnsafeSlow(length);
  let offset = 0;
  for (const part of parts) offset += part.copy(copy, offset);
  return copy;
}
