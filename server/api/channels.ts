import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { errorResponse, refusalResponse } from '../guard/errors.ts';
import type { FairUse } from '../guard/fair-use.ts';
import { describeIssues } from '../guard/query.ts';
import { FeedUnavailableError, TooManyChannelsError, type Feed } from '../feed/feed.ts';
import type { Config } from '../config.ts';
import { addressOf } from '../transports/types.ts';

const channelRequestSchema = z
  .object({
    intervalMs: z.number().int().min(20).max(10_000),
    payloadBytes: z.number().int().min(0).max(65_536),
    durationMs: z.number().int().min(1).max(300_000),
  })
  .strict();

const MAX_BODY_BYTES = 4096;

/**
 * `POST /api/channels`: a private channel for one race, `201 {"channel": id}`. Each client
 * address may hold `privateChannelsPerAddress` live ones, so no one can take them all.
 */
export function mountChannels(app: Hono, feed: Feed, fairUse: FairUse, config: Config): void {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => errorResponse(c, 'payload_too_large', `body over ${MAX_BODY_BYTES} bytes`),
  });
  app.post('/api/channels', limit, async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return errorResponse(c, 'bad_body', 'body must be JSON: {"intervalMs","payloadBytes","durationMs"}');
    }
    const parsed = channelRequestSchema.safeParse(body);
    if (!parsed.success) return errorResponse(c, 'bad_body', describeIssues(parsed.error));
    const release = fairUse.holdChannel(addressOf(c, config));
    if (typeof release !== 'function') return refusalResponse(c, release);
    try {
      const channel = await feed.createPrivate(parsed.data, release);
      return c.json({ channel: channel.id }, 201);
    } catch (error) {
      release();
      if (error instanceof TooManyChannelsError) return errorResponse(c, 'too_many_channels', 'too many live channels; try again when a race ends', { 'Retry-After': '5' });
      if (error instanceof FeedUnavailableError) return errorResponse(c, 'feed_unavailable', `${error.message}; retry shortly`, { 'Retry-After': '2' });
      throw error;
    }
  });
}
