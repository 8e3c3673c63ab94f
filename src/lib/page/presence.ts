// Which other tabs of this site hold live connections right now, over a BroadcastChannel. The
// browser shares six HTTP/1.1 connections per host among all of them, so a race run while other
// tabs hold connections measures the contention, not the transports: the race warns and marks it.

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close?(): void;
}

type Message = { type: 'holds'; tab: string; holds: number } | { type: 'ask'; tab: string };

export const PRESENCE_CHANNEL = 'realtime-explained:connections';

export class TabPresence {
  readonly tab: string;
  private holds = 0;
  private readonly others = new Map<string, number>();
  private readonly listeners = new Set<(otherTabs: number) => void>();

  constructor(
    private readonly channel: ChannelLike,
    tab = Math.random().toString(36).slice(2, 10),
  ) {
    this.tab = tab;
    channel.addEventListener('message', (event) => this.receive(event.data as Message));
    this.ask();
  }

  /** This tab holds connections until the returned function is called (counted, so nested holds add up). */
  hold(): () => void {
    this.holds++;
    this.announce();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds = Math.max(0, this.holds - 1);
      this.announce();
    };
  }

  /** How many other tabs hold connections now. */
  get otherTabs(): number {
    let n = 0;
    for (const holds of this.others.values()) if (holds > 0) n++;
    return n;
  }

  /** Calls `listener` with the count whenever it changes; returns an unsubscribe. */
  watch(listener: (otherTabs: number) => void): () => void {
    this.listeners.add(listener);
    listener(this.otherTabs);
    return () => this.listeners.delete(listener);
  }

  /** Asks every other tab to say what it holds (a tab opened late has heard nothing yet). */
  ask(): void {
    this.channel.postMessage({ type: 'ask', tab: this.tab } satisfies Message);
  }

  /** The tab is going away (pagehide): it holds nothing any more. */
  leave(): void {
    this.holds = 0;
    this.announce();
  }

  private announce(): void {
    this.channel.postMessage({ type: 'holds', tab: this.tab, holds: this.holds } satisfies Message);
  }

  private receive(message: Message): void {
    if (!message || message.tab === this.tab) return;
    if (message.type === 'ask') {
      this.announce();
      return;
    }
    const before = this.otherTabs;
    this.others.set(message.tab, message.holds);
    if (this.otherTabs !== before) for (const listener of this.listeners) listener(this.otherTabs);
  }
}

let shared: TabPresence | null | undefined;

/** The page's presence, or null where BroadcastChannel is missing (then nothing is known). */
export function tabPresence(): TabPresence | null {
  if (shared !== undefined) return shared;
  if (typeof BroadcastChannel === 'undefined' || typeof window === 'undefined') return (shared = null);
  shared = new TabPresence(new BroadcastChannel(PRESENCE_CHANNEL));
  const presence = shared;
  // A closed or bfcached tab holds nothing; a tab restored from bfcache asks again.
  window.addEventListener('pagehide', () => presence.leave());
  window.addEventListener('pageshow', (event) => event.persisted && presence.ask());
  return shared;
}
