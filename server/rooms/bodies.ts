import type { Context } from 'hono';
import { z } from 'zod';
import { CLIENT_ID_PATTERN } from '../../src/protocol/feed.ts';
import { ROOM_LIMITS } from '../../src/protocol/rooms.ts';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';
import { errorResponse } from '../guard/errors.ts';
import { describeIssues } from '../guard/query.ts';

// The bodies of `/api/rooms/*`, validated at the door (README "Rooms (classroom mode)").

const client = z.string().regex(CLIENT_ID_PATTERN, 'must be 1–64 characters [A-Za-z0-9_-]');
const transport = z.enum(TRANSPORTS as [TransportName, ...TransportName[]]);
const L = ROOM_LIMITS;

export const createRoomBody = z.object({ locale: z.enum(['zh', 'en']).default('zh') }).strict();

export const joinBody = z.object({ client, transport: transport.optional() }).strict();

export const streamBody = z
  .object({
    perSecond: z.number().int().min(1).max(L.streamMaxPerSecond),
    seconds: z.number().int().min(1).max(L.streamMaxSeconds),
  })
  .strict();

export const switchBody = z
  .object({
    transport: transport.nullable().optional(),
    pollIntervalMs: z.number().int().min(L.pollIntervalMinMs).max(L.pollIntervalMaxMs).optional(),
  })
  .strict()
  .refine((body) => body.transport !== undefined || body.pollIntervalMs !== undefined, { message: 'give "transport" or "pollIntervalMs"' });

/** A lesson's check-yourself question, as its frontmatter has it (src/lib/lesson-schema.ts). */
export const questionBody = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a lesson question id (lowercase-kebab, ≤ 64)'),
    prompt: z.string().min(1).max(L.questionPromptMaxChars),
    choices: z.array(z.string().min(1).max(L.questionChoiceMaxChars)).min(2).max(L.questionMaxChoices).optional(),
  })
  .strict();

/** Nothing to say: an empty body or `{}`. */
export const emptyBody = z.object({}).strict();

export const reportBody = z.union([
  z.object({ client, seq: z.number().int().min(1), delayMs: z.number().finite().min(L.delayMinMs).max(L.delayMaxMs) }).strict(),
  z.object({ client, question: z.string().regex(/^[a-z0-9-]{1,64}$/), answer: z.number().finite() }).strict(),
  z.object({ client, cut: z.number().int().min(1), recoveryMs: z.number().finite().min(0).max(L.recoveryMaxMs), gaps: z.number().int().min(0).max(L.gapsMax) }).strict(),
]);

/** Most bodies are tens of bytes; a question with eight long choices stays under this. */
export const MAX_ROOM_BODY_BYTES = 8 * 1024;

/** The body parsed by `schema` (an empty body reads as `{}`), or the 400 to answer instead. */
export async function readBody<S extends z.ZodTypeAny>(c: Context, schema: S): Promise<{ ok: true; value: z.infer<S> } | { ok: false; response: Response }> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return { ok: false, response: errorResponse(c, 'bad_body', 'body must be JSON') };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, response: errorResponse(c, 'bad_body', describeIssues(parsed.error)) };
  return { ok: true, value: parsed.data };
}
