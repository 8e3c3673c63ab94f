import { Hono } from 'hono';
import { mountChannels } from './api/channels.ts';
import { mountHealth, type HealthReply } from './api/health.ts';
import { mountStats } from './api/stats.ts';
import { mountTime } from './api/time.ts';
import { mountChat } from './demos/chat.ts';
import { mountEcho } from './demos/echo.ts';
import { mountInspect } from './demos/inspect.ts';
import { mountRooms } from './rooms/routes.ts';
import type { RoomRegistry } from './rooms/registry.ts';
import { errorBody, errorResponse, refusalResponse } from './guard/errors.ts';
import { hostRefusal, isAllowedHost } from './guard/origin.ts';
import { securityHeaders } from './guard/security-headers.ts';
import { mountStaticSite } from './static-site.ts';
import { FeedUnavailableError } from './feed/feed.ts';
import { transports } from './transports/index.ts';
import type { TransportDeps } from './transports/types.ts';
import type { RecordBudget } from './wire/recording.ts';
import type { Ledger } from './wire/ledger.ts';
import type { LedgerStats } from './wire/ledger-sync.ts';

export interface AppDeps extends TransportDeps {
  ledger: Ledger;
  /** What /api/stats reads: this process's ledger, or the cluster's (LedgerSync). */
  ledgerStats: LedgerStats;
  recordBudget: RecordBudget;
  /** Hostnames besides IP literals and localhost that state-changing requests may name in Host. */
  allowedHosts: ReadonlySet<string>;
  health(): HealthReply;
  /** Classroom rooms (issue #10). */
  rooms: RoomRegistry;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The whole HTTP surface, built without listening (hono's habit): tests can call `app.request()`. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', securityHeaders(deps.config.staticDir));
  app.use('/api/*', async (c, next) => {
    if (deps.closing.aborted && c.req.path !== '/api/health') return errorResponse(c, 'shutting_down', 'the server is shutting down');
    // DNS rebinding: a state-changing request must name this server in Host (guard/origin.ts).
    if (!SAFE_METHODS.has(c.req.method) && !isAllowedHost(c.req.header('host'), deps.allowedHosts)) {
      return refusalResponse(c, hostRefusal(c.req.header('host')));
    }
    return next();
  });
  for (const transport of transports) transport.mount(app, deps);
  mountEcho(app, deps);
  mountChat(app, deps);
  mountInspect(app, deps, deps.recordBudget);
  mountTime(app);
  mountHealth(app, deps.health);
  mountChannels(app, deps.feed, deps.fairUse, deps.config);
  mountRooms(app, deps);
  mountStats(app, deps.ledgerStats);
  answerWrongMethods(app);
  mountStaticSite(app, deps.config.staticDir);
  app.onError((error, c) => {
    if (error instanceof FeedUnavailableError) return errorResponse(c, 'feed_unavailable', `${error.message}; retry shortly`, { 'Retry-After': '2' });
    console.error(error);
    return c.json(errorBody('internal', 'internal server error'), 500);
  });
  return app;
}

/**
 * 405 with `Allow` for a known API path asked with a method it does not take (RFC 9110 §15.5.6),
 * derived from the routes mounted above so the list cannot go stale. Hono answers HEAD with GET.
 */
function answerWrongMethods(app: Hono): void {
  const allowed = new Map<string, Set<string>>();
  for (const { path, method } of app.routes) {
    if (method === 'ALL' || !(path.startsWith('/api/') || path.startsWith('/ws/'))) continue;
    const methods = allowed.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    allowed.set(path, methods);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].join(', ');
    app.all(path, (c) => errorResponse(c, 'method_not_allowed', `${c.req.method} is not allowed here; use ${allow}`, { Allow: allow }));
  }
}
