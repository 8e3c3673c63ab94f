// Every error the server can answer with, by machine code, and every WebSocket close code it
// sends (RFC 6455 §7.4.1). HTTP errors always have the shape `{"error":{"code","message"}}`.

export const ERROR_CODES = {
  bad_request: 400,
  bad_query: 400,
  bad_body: 400,
  forbidden_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  too_many_channels: 429,
  shutting_down: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorReply {
  error: { code: ErrorCode; message: string };
}

export const CLOSE_CODES = {
  /** The normal end of a conversation. */
  normal: 1000,
  /** The server is shutting down (SIGTERM/SIGINT). */
  goingAway: 1001,
  /** The peer broke RFC 6455 (ws detects it). */
  protocolError: 1002,
  /** A message of a kind the endpoint does not take (binary on the chat). */
  unsupportedData: 1003,
  /** Never on the wire: the browser reports it when the TCP connection just died. */
  abnormal: 1006,
  /** A message we can't accept: not JSON where JSON is required, wrong type, rate limit. */
  policyViolation: 1008,
  /** A message over the size limit (64 KiB by default). */
  messageTooBig: 1009,
  /** The server hit a bug. */
  internalError: 1011,
} as const;
