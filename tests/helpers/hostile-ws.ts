import { randomBytes } from 'node:crypto';
import { RawConnection, parseResponse, requestBytes, type RawResponse, type ConnectOptions } from './hostile-raw.ts';

// WebSocket by hand over a raw socket, for the hostile suite: handshakes that stop reading
// after the 101, masked client frames of any shape (dripped, oversized, control floods), and
// the server's frames parsed from the received bytes.


export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function upgradeRequest(target: string, headers: Record<string, string> = {}, host: string | null = '127.0.0.1'): Buffer {
  return requestBytes({
    target,
    host,
    headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': WS_KEY, ...headers },
  });
}

export interface RawWebSocket extends RawConnection {
  /** The handshake response (101 when `upgraded`). */
  handshake: RawResponse;
  upgraded: boolean;
  /** Offset in `received` where frames begin. */
  framesFrom: number;
}

/**
 * Opens a WebSocket by hand. With `pauseAfterHandshake` the client never reads a byte after
 * the 101: the server's sends pile up in the kernel, then in its own send buffer.
 */
export async function rawWebSocket(
  port: number,
  target: string,
  { headers = {}, host = '127.0.0.1', pauseAfterHandshake = false, timeoutMs = 5000, ...connect }: ConnectOptions & {
    headers?: Record<string, string>;
    host?: string | null;
    pauseAfterHandshake?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<RawWebSocket> {
  const connection = new RawConnection(port, connect) as RawWebSocket;
  await connection.connected;
  await connection.write(upgradeRequest(target, headers, host));
  const headEnd = await connection.until(() => {
    const end = connection.received.indexOf('\r\n\r\n');
    return end === -1 ? (connection.isClosed ? -2 : 0) : end + 4;
  }, timeoutMs, `the handshake response to ${target}`);
  if (pauseAfterHandshake) connection.pause();
  if (headEnd === -2) throw new Error(`connection closed before a handshake response to ${target}`);
  connection.framesFrom = headEnd;
  connection.handshake = parseResponse(connection.received)!;
  connection.upgraded = connection.handshake.status === 101;
  return connection;
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Server frames (unmasked) in `bytes`; an incomplete trailing frame is left out. */
export function parseFrames(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const first = bytes[offset]!;
    const second = bytes[offset + 1]!;
    let length = second & 0x7f;
    let at = offset + 2;
    if (length === 126) {
      if (at + 2 > bytes.length) break;
      length = bytes.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (at + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    if (second & 0x80) at += 4;
    if (at + length > bytes.length) break;
    frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: bytes.subarray(at, at + length) });
    offset = at + length;
  }
  return frames;
}

/** The frames a raw WebSocket has received so far. */
export const framesOf = (ws: RawWebSocket) => parseFrames(ws.received.subarray(ws.framesFrom));

/** The close code of the first close frame received, if any. */
export function closeCodeOf(ws: RawWebSocket): number | null {
  const close = framesOf(ws).find((frame) => frame.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
}

/**
 * Waits until the server's close frame has arrived (or the connection closed), without
 * waiting out the server's grace for a client that never answers it. Resolves with the code.
 */
export async function closeFrameOf(ws: RawWebSocket, timeoutMs = 5000): Promise<number | null> {
  // A close frame starts with 0x88; only parse the whole stream when one may have arrived.
  await ws.until(() => ws.isClosed || (ws.tailText(256).includes('\x88') && closeCodeOf(ws) !== null), timeoutMs, 'a close frame').catch(() => {});
  return closeCodeOf(ws);
}

export const OPCODES = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** A masked client frame (RFC 6455 §5.2). */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = randomBytes(4);
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}
