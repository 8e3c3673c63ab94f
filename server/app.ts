import { Hono } from 'hono';
import { mountChannels } from './api/channels.ts';
import { mountStats } from './api/stats.ts';
import { mountChat } from './demos/chat.ts';
import { mountEcho } from './demos/echo.ts';
import { mountInspect } from './demos/inspect.ts';
import { mountTime } from './api/time.ts';
import { errorBody } from './guard/errors.ts';
import { mountStaticSite } from './static-site.ts';
import { transports } from './transports/index.ts';
import type { TransportDeps } from './transports/types.ts';
import type { Ledger } from './wire/ledger.ts';

export interface AppDeps extends TransportDeps {
  ledger: Ledger;
}

/** The whole HTTP surface, built without listening (hono's habit): tests can call `app.request()`. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('/api/*', async (c, next) => {
    if (deps.closing.aborted) return c.json(errorBody('shutting_down', 'the server is shutting down'), 503);
    return next();
  });
  for (const transport of transports) transport.mount(app, deps);
  mountEcho(app, deps);
  mountChat(app, deps);
  mountInspect(app, deps);
  mountTime(app);
  mountChannels(app, deps.feed);
  mountStats(app, deps.ledger);
  mountStaticSite(app, deps.config.staticDir);
  app.onError((error, c) => {
    console.error(error);
    return c.json(errorBody('internal', 'internal server error'), 500);
  });
  return app;
}
