import { PollingTransport } from './polling.ts';

/** Asks "anything new?" every `pollIntervalMs` (measured from each reply, so requests never overlap). */
export class ShortPollTransport extends PollingTransport {
  readonly name = 'short-poll' as const;
  protected get pauseMs() {
    return this.options.pollIntervalMs ?? 1000;
  }
  protected extraParams() {
    return {};
  }
}
