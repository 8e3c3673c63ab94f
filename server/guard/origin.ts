import { isIP } from 'node:net';
import type { Refusal } from './errors.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The hostname of a Host header value (`example.org:8080` → `example.org`, `[::1]:80` → `::1`). */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') === -1 ? undefined : lower.indexOf(']'));
  return lower.replace(/:\d*$/, '').replace(/\.$/, '');
}

/** A Host header that names a host and, if any, a port 1–65535 (`localhost:99999` does not). */
export function isValidHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(`http://${host}`);
    return url.host.length > 0 && url.pathname === '/' && url.username === '' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

/** Hostnames the deployment is reached by: PUBLIC_ORIGIN's and ALLOWED_ORIGINS'. */
export function configuredHostnames(origins: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const origin of origins) {
    try {
      names.add(new URL(origin).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
    } catch {
      // not a URL: ignored, the config check reports PUBLIC_ORIGIN; ALLOWED_ORIGINS may hold anything
    }
  }
  return names;
}

/**
 * DNS rebinding defence: a page on evil.example can make its own name resolve to this server,
 * and the browser then treats us as same-origin with it. Such requests carry `Host: evil.example`,
 * so a state-changing request is accepted only when Host is an IP literal (a classroom on
 * http://192.168.1.20:8080 works with no setting), localhost, or a configured hostname.
 */
export function isAllowedHost(host: string | undefined, configured: ReadonlySet<string>): boolean {
  if (host === undefined || host === '') return false;
  const name = hostnameOf(host);
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0 || configured.has(name);
}

export function hostRefusal(host: string | undefined): Refusal {
  return { code: 'forbidden_host', message: `Host "${host ?? ''}" is not this server's: set PUBLIC_ORIGIN or ALLOWED_ORIGINS to serve it` };
}

/**
 * Browsers send `Origin` on a WebSocket upgrade but do not enforce the same-origin policy for
 * it, so the server must (RFC 6455 §10.2; Cross-Site WebSocket Hijacking). Allowed: the server's
 * own origin (same host as the Host header), localhost, and the configured list. Clients that
 * are not browsers send no Origin and are let through: they carry no victim's cookies.
 */
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

export function originRefusal(origin: string): Refusal {
  return { code: 'forbidden_origin', message: `origin ${origin} may not open WebSockets here` };
}
