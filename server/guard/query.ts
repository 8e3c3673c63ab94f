import type { Context } from 'hono';
import { z } from 'zod';
import { CURSOR_PATTERN, parseCursor, type CursorPosition } from '../../src/protocol/cursor.ts';
import { CLIENT_ID_PATTERN, DEFAULT_CHANNEL } from '../../src/protocol/feed.ts';
import type { Channel } from '../feed/channel.ts';
import { FeedUnavailableError, type Feed } from '../feed/feed.ts';
import { refusalResponse, type Refusal } from './errors.ts';

/** The parameters every feed endpoint shares (README "Wire protocol"). */
export const feedQuerySchema = z.object({
  channel: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters [A-Za-z0-9_-]').default(DEFAULT_CHANNEL),
  after: z
    .string()
    .regex(CURSOR_PATTERN, 'must be a cursor from a reply ("<feed id>-<seq>") or 0')
    .transform((text) => parseCursor(text)!)
    .optional(),
  client: z.string().regex(CLIENT_ID_PATTERN, 'must be 1–64 characters [A-Za-z0-9_-]').optional(),
});
export type FeedQuery = z.infer<typeof feedQuerySchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`).join('; ');
}

/** Validates query values (from Hono or from a raw upgrade request's URL). */
export function parseValues<S extends z.ZodTypeAny>(values: Record<string, string>, schema: S): Parsed<z.infer<S>> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, refusal: { code: 'bad_query', message: describeIssues(parsed.error) } };
}

/** Parses a Hono request's query, or gives the 400 response to send instead. */
export function parseQuery<S extends z.ZodTypeAny>(c: Context, schema: S): { ok: true; value: z.infer<S> } | { ok: false; response: Response } {
  const parsed = parseValues(c.req.query(), schema);
  return parsed.ok ? parsed : { ok: false, response: refusalResponse(c, parsed.refusal) };
}

export type ResolvedFeed<Q extends FeedQuery = FeedQuery> =
  | { ok: true; query: Q; channel: Channel; from: CursorPosition | null }
  | { ok: false; refusal: Refusal };

/** Seconds a client should wait before retrying while the shared feed is unreachable. */
const FEED_RETRY_S = '2';

/**
 * The feed query, its channel and where the reader starts (`startPosition`), or the 400/404
 * refusal, or 503 while the shared feed (Redis) is unreachable.
 */
export async function resolveFeed<Q extends FeedQuery = FeedQuery>(
  values: Record<string, string>,
  feed: Feed,
  { schema = feedQuerySchema as unknown as z.ZodType<Q, z.ZodTypeDef, unknown>, lastEventId }: { schema?: z.ZodType<Q, z.ZodTypeDef, unknown>; lastEventId?: string } = {},
): Promise<ResolvedFeed<Q>> {
  const parsed = parseValues(values, schema);
  if (!parsed.ok) return parsed;
  const from = startPosition(parsed.value, lastEventId);
  let channel: Channel | undefined;
  try {
    channel = await feed.open(parsed.value.channel, from);
  } catch (error) {
    if (!(error instanceof FeedUnavailableError)) throw error;
    return { ok: false, refusal: { code: 'feed_unavailable', message: `${error.message}; retry shortly`, headers: { 'Retry-After': FEED_RETRY_S } } };
  }
  if (!channel) return { ok: false, refusal: { code: 'not_found', message: `no channel "${parsed.value.channel}"` } };
  return { ok: true, query: parsed.value, channel, from };
}

/**
 * Where a reader starts. `Last-Event-ID` wins over `after`: EventSource reconnects to the URL
 * it was given (with the old `after`) but sends the id of the last event it got, which is a
 * cursor. Null (neither given): live from now.
 */
export function startPosition(query: FeedQuery, lastEventId?: string): CursorPosition | null {
  const fromHeader = lastEventId === undefined ? null : parseCursor(lastEventId.trim());
  return fromHeader ?? query.after ?? null;
}
