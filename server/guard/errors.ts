import type { Context } from 'hono';
import { ERROR_CODES, type ErrorCode, type ErrorReply } from '../../src/protocol/errors.ts';

/** The one error shape of every HTTP endpoint: `{"error":{"code","message"}}`. */
export function errorBody(code: ErrorCode, message: string): ErrorReply {
  return { error: { code, message } };
}

export function errorResponse(c: Context, code: ErrorCode, message: string): Response {
  return c.json(errorBody(code, message), ERROR_CODES[code]);
}
