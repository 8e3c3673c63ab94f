import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'hono';
import { ERROR_CODES, type ErrorCode, type ErrorReply } from '../../src/protocol/errors.ts';

/** A refusal decided before (or outside) Hono: the same error, whoever writes it. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** Extra response headers, e.g. Retry-After on a 429 or Allow on a 405. */
  headers?: Record<string, string>;
}

/** The one error shape of every HTTP endpoint: `{"error":{"code","message"}}`. */
export function errorBody(code: ErrorCode, message: string): ErrorReply {
  return { error: { code, message } };
}

export function errorResponse(c: Context, code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return c.json(errorBody(code, message), ERROR_CODES[code], headers);
}

export const refusalResponse = (c: Context, refusal: Refusal) => errorResponse(c, refusal.code, refusal.message, refusal.headers);

/**
 * The whole HTTP response for a refusal, for places that hold a raw socket (Node's parser
 * errors, upgrade requests): same JSON body as everywhere else, and the connection closes.
 */
export function rawErrorResponse(refusal: Refusal): string {
  const status = ERROR_CODES[refusal.code];
  const body = JSON.stringify(errorBody(refusal.code, refusal.message));
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...refusal.headers,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Answers on a raw socket and closes it; never throws (the socket may already be gone). */
export function writeRefusal(socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  socket.end(rawErrorResponse(refusal));
}

/** Answers a Node request that never reaches Hono (unparseable target, rate limit at the edge). */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify(errorBody(refusal.code, refusal.message));
  res.writeHead(ERROR_CODES[refusal.code], {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...refusal.headers,
  });
  res.end(body);
}
