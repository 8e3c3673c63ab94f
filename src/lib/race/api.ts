// The race's calls to our server, with one distinction the island needs: "there is no server"
// (a static-only deployment, or the network is down) versus "the server said no".
import type { ChannelRequest, StatsReply } from '../../protocol/feed.ts';
import { nowMs } from '../transport/types.ts';
import type { ClockSample } from './clock.ts';

/** No race server answers: the fetch failed outright, or what answered is not our JSON API. */
export class ServerUnreachableError extends Error {}

/** The server answered with an error of its own, e.g. 429 too_many_channels. */
export class ServerRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function callApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { cache: 'no-store', ...init });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ServerUnreachableError(`no answer from ${path}`);
  }
  // A static host answers unknown paths with its HTML 404 page; only our API speaks JSON.
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  if (!isJson) throw new ServerUnreachableError(`${path} answered ${response.status} without JSON`);
  const body: unknown = await response.json();
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new ServerRefusedError(response.status, error?.code ?? 'unknown', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export async function createChannel(request: ChannelRequest, signal?: AbortSignal): Promise<string> {
  const reply = await callApi<{ channel: string }>('/api/channels', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal,
  });
  return reply.channel;
}

export function fetchStats(client: string, signal?: AbortSignal): Promise<StatsReply> {
  return callApi<StatsReply>(`/api/stats?client=${encodeURIComponent(client)}`, { signal });
}

/** One clock round trip: browser time before and after, server time in between. */
export async function sampleServerClock(signal?: AbortSignal): Promise<ClockSample> {
  const t0 = nowMs();
  const { now } = await callApi<{ now: number }>('/api/time', { signal });
  return { t0, serverNow: now, t1: nowMs() };
}
