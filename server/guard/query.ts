import type { Context } from 'hono';
import { z } from 'zod';
import { CLIENT_ID_PATTERN, DEFAULT_CHANNEL } from '../../src/protocol/feed.ts';
import type { Channel } from '../feed/channel.ts';
import type { Feed } from '../feed/feed.ts';
import { errorResponse } from './errors.ts';

const nonNegativeInteger = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a whole number ≥ 0')
  .transform(Number);

/** The parameters every feed endpoint shares (README "Wire protocol"). */
export const feedQuerySchema = z.object({
  channel: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters [A-Za-z0-9_-]').default(DEFAULT_CHANNEL),
  after: nonNegativeInteger.optional(),
  client: z.string().regex(CLIENT_ID_PATTERN, 'must be 1–64 characters [A-Za-z0-9_-]').optional(),
});
export type FeedQuery = z.infer<typeof feedQuerySchema>;

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`).join('; ');
}

/** Parses a query against a schema, or gives the 400 response to send instead. */
export function parseQuery<S extends z.ZodTypeAny>(c: Context, schema: S): { ok: true; value: z.infer<S> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, response: errorResponse(c, 'bad_query', describeIssues(parsed.error)) };
}

/** The feed query and its channel, or the 400/404 response to send instead. */
export function resolveFeedQuery(
  c: Context,
  feed: Feed,
  schema: z.ZodType<FeedQuery, z.ZodTypeDef, unknown> = feedQuerySchema,
): { ok: true; query: FeedQuery; channel: Channel } | { ok: false; response: Response } {
  const parsed = parseQuery(c, schema);
  if (!parsed.ok) return parsed;
  const channel = feed.get(parsed.value.channel);
  if (!channel) return { ok: false, response: errorResponse(c, 'not_found', `no channel "${parsed.value.channel}"`) };
  return { ok: true, query: parsed.value, channel };
}

/**
 * Which seq a reader starts after. `Last-Event-ID` wins over `after`: EventSource reconnects
 * to the URL it was given (with the old `after`) but sends the id of the last event it got.
 * Without either, the reader starts at the latest event (live from now).
 */
export function startCursor(query: FeedQuery, channel: Channel, lastEventId?: string): number {
  if (lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId)) return Number(lastEventId);
  if (query.after !== undefined) return query.after;
  return channel.latestSeq;
}
