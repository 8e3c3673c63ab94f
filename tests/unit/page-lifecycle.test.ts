import { afterEach, describe, expect, it } from 'vitest';
import { whileVisible, type VisibleDocument } from '../../src/lib/page/lifecycle.ts';
import { TabPresence, type ChannelLike } from '../../src/lib/page/presence.ts';
import { resetServerProbe, serverVerdict, verdictOf } from '../../src/lib/page/server-probe.ts';

// The page's lifecycle helpers: connections held only while the page is seen, other tabs'
// connections counted over a BroadcastChannel, and one probe per page for a missing server.

/** A document whose visibility the test sets, firing visibilitychange like a browser. */
function fakeDocument(initial: DocumentVisibilityState = 'visible') {
  const target = new EventTarget();
  const doc = {
    visibilityState: initial,
    addEventListener: (type: string, listener: () => void) => target.addEventListener(type, listener),
    removeEventListener: (type: string, listener: () => void) => target.removeEventListener(type, listener),
    set(state: DocumentVisibilityState) {
      doc.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
  };
  return doc satisfies VisibleDocument;
}

/** BroadcastChannel semantics in memory: every other member of the bus gets each message, synchronously. */
function bus() {
  const members: { channel: ChannelLike; listeners: ((event: { data: unknown }) => void)[] }[] = [];
  return () => {
    const member = { listeners: [] as ((event: { data: unknown }) => void)[], channel: null as unknown as ChannelLike };
    member.channel = {
      postMessage: (data) => members.filter((m) => m !== member).forEach((m) => m.listeners.forEach((l) => l({ data: structuredClone(data) }))),
      addEventListener: (_type, listener) => member.listeners.push(listener),
    };
    members.push(member);
    return member.channel;
  };
}

describe('whileVisible', () => {
  it('holds while visible, releases on hide, resumes on show, releases for good on dispose', () => {
    const doc = fakeDocument();
    const calls: string[] = [];
    const dispose = whileVisible({ resume: () => calls.push('resume'), release: () => calls.push('release') }, doc);
    expect(calls).toEqual(['resume']);
    doc.set('hidden');
    doc.set('hidden');
    doc.set('visible');
    expect(calls).toEqual(['resume', 'release', 'resume']);
    dispose();
    doc.set('hidden');
    doc.set('visible');
    expect(calls).toEqual(['resume', 'release', 'resume', 'release']);
  });

  it('opens nothing for a page that starts hidden (a background tab) until it is shown', () => {
    const doc = fakeDocument('hidden');
    const calls: string[] = [];
    const dispose = whileVisible({ resume: () => calls.push('resume'), release: () => calls.push('release') }, doc);
    expect(calls).toEqual([]);
    doc.set('visible');
    expect(calls).toEqual(['resume']);
    dispose();
    expect(calls).toEqual(['resume', 'release']);
  });
});

describe('TabPresence', () => {
  it('counts the other tabs that hold connections, and forgets those that release or leave', () => {
    const join = bus();
    const race = new TabPresence(join(), 'race');
    const seen: number[] = [];
    race.watch((n) => seen.push(n));
    const home = new TabPresence(join(), 'home');
    const lesson = new TabPresence(join(), 'lesson');
    const releaseHome = home.hold();
    const releaseLesson = lesson.hold();
    const again = lesson.hold(); // two islands on one page are still one tab
    expect(race.otherTabs).toBe(2);
    releaseLesson();
    expect(race.otherTabs).toBe(2);
    again();
    expect(race.otherTabs).toBe(1);
    home.leave();
    releaseHome(); // after leave(): never below zero
    expect(race.otherTabs).toBe(0);
    expect(seen).toEqual([0, 1, 2, 1, 0]);
  });

  it('a tab opened late learns who already holds connections by asking', () => {
    const join = bus();
    const early = new TabPresence(join(), 'early');
    early.hold();
    const late = new TabPresence(join(), 'late');
    expect(late.otherTabs).toBe(1);
    expect(early.otherTabs).toBe(0); // the late tab holds nothing
  });
});

describe('server probe', () => {
  afterEach(() => resetServerProbe());
  const json = { headers: { get: () => 'application/json; charset=utf-8' } };
  const html = { headers: { get: () => 'text/html' } };

  it('only our JSON API counts as the server; a static host’s HTML page or no answer does not', () => {
    expect(verdictOf(json)).toBe('present');
    expect(verdictOf(html)).toBe('absent');
    expect(verdictOf(null)).toBe('absent');
  });

  it('asks once per page, however many demos want to know', async () => {
    let calls = 0;
    const fetcher = (async () => (calls++, json)) as unknown as typeof fetch;
    const answers = await Promise.all([serverVerdict(fetcher), serverVerdict(fetcher), serverVerdict(fetcher)]);
    expect(answers).toEqual(['present', 'present', 'present']);
    expect(calls).toBe(1);
  });

  it('a network error means no server', async () => {
    const fetcher = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    await expect(serverVerdict(fetcher)).resolves.toBe('absent');
  });
});
