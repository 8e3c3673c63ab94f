import { PollingTransport } from './polling.ts';

/** Asks again the moment a reply arrives; the server holds each request until there is news. */
export class LongPollTransport extends PollingTransport {
  readonly name = 'long-poll' as const;
  protected readonly pauseMs = 0;
  protected extraParams() {
    return { timeout: this.options.longPollTimeoutMs ?? 25_000 };
  }
}
