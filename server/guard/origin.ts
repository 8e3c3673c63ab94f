import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './errors.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Browsers send `Origin` on a WebSocket upgrade but do not enforce the same-origin policy for
 * it, so the server must (RFC 6455 §10.2; Cross-Site WebSocket Hijacking). Allowed: the server's
 * own origin (same host as the Host header), localhost, and the configured list. Clients that
 * are not browsers send no Origin and are let through: they carry no victim's cookies.
 */
export function originGuard(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined || isAllowedOrigin(origin, c.req.header('host'), allowed)) return next();
    return errorResponse(c, 'forbidden_origin', `origin ${origin} may not open WebSockets here`);
  };
}

export function isAllowedOrigin(origin: string, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(origin.toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return LOCAL_HOSTS.has(url.hostname) || (host !== undefined && url.host === host.toLowerCase());
}
