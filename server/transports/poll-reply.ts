import type { Context } from 'hono';
import type { ServerResponse } from 'node:http';
import type { Page } from '../feed/channel.ts';

/**
 * A poll reply's body (`PollReply` in src/protocol/feed.ts), written from the events' JSON
 * encoded once at publish: no per-request JSON.stringify of the events, and at most one page.
 */
export function pollBody(page: Page): string {
  let body = '{"events":[';
  for (let i = 0; i < page.events.length; i++) body += (i ? ',' : '') + page.events[i]!.json;
  return body + `],"cursor":"${page.cursor}","resync":${page.resync}${page.more ? ',"more":true' : ''}}`;
}

const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/** A poll reply answered at once, through Hono. */
export function pollReply(c: Context, page: Page): Response {
  return c.body(pollBody(page), 200, HEADERS);
}

/**
 * A poll reply written straight to Node's response, for a poll that was held: the Hono handler
 * returned long ago, so nothing of it (context, middleware chain) stays alive while a poll waits.
 * The same headers as `pollReply` plus the API's `nosniff` (which the middleware adds there).
 */
export function writePollReply(response: ServerResponse, page: Page): void {
  const body = pollBody(page);
  response.writeHead(200, { ...HEADERS, 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
