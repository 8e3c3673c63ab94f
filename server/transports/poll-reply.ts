import type { Context } from 'hono';
import type { Page } from '../feed/channel.ts';

/**
 * A poll reply (`PollReply` in src/protocol/feed.ts) written from the events' JSON encoded once
 * at publish: no per-request JSON.stringify of the events, and at most one page of them.
 */
export function pollReply(c: Context, page: Page): Response {
  let body = '{"events":[';
  for (let i = 0; i < page.events.length; i++) body += (i ? ',' : '') + page.events[i]!.json;
  body += `],"cursor":"${page.cursor}","resync":${page.resync}${page.more ? ',"more":true' : ''}}`;
  return c.body(body, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
}
