// Every error the server can answer with, by machine code, and every WebSocket close code it
// sends (RFC 6455 §7.4.1). HTTP errors always have the shape `{"error":{"code","message"}}`.

export const ERROR_CODES = {
  bad_request: 400,
  bad_query: 400,
  bad_body: 400,
  unauthorized: 401,
  forbidden_host: 403,
  forbidden_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  upgrade_required: 426,
  too_many_channels: 429,
  too_many_rooms: 429,
  room_full: 429,
  too_many_requests: 429,
  too_many_connections: 429,
  headers_too_large: 431,
  internal: 500,
  shutting_down: 503,
  feed_unavailable: 503,
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
  /** A message we can't accept: a message on a send-only socket, or past a fair-use rate. */
  policyViolation: 1008,
  /** A message over the size limit (64 KiB by default). */
  messageTooBig: 1009,
  /** The server hit a bug. */
  internalError: 1011,
  /** Try again later: the reader could not keep up (its unsent bytes stayed at the cap); reconnect from your cursor. */
  tryAgainLater: 1013,
} as const;
