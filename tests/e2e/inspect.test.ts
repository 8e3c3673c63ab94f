// The "under the hood" demos in real Chromium against the real server: the handshake viewer and
// the Accept calculator (checked against what Chromium itself reports over CDP), the frame
// inspector (bytes checked by unmasking them here), the browser API demo, echo and chat.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startSite, watchErrors } from '../helpers/site.ts';
import { WEBSOCKET_GUID } from '../../src/protocol/accept.ts';

type Site = Awaited<ReturnType<typeof startSite>>;

const acceptOf = (key: string) => createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
const bytesOf = (hex: string | null) => (hex ?? '').split(' ').filter(Boolean).map((h) => parseInt(h, 16));
const toHex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** Header lookup in a CDP header object, whose name case is the browser's business. */
function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** Islands hydrate when visible (client:visible): scroll the demo into view first. */
async function showDemo(page: Page, name: string) {
  const demo = page.locator(`figure.demo[data-demo="${name}"]`);
  await demo.scrollIntoViewIfNeeded();
  return demo;
}

describe('inspect demos', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

  it('handshake viewer shows the key Chromium sent, and the calculator reproduces the 101’s Accept', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    // The independent witness: Chromium's own network log of the handshake.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const sentKeys: string[] = [];
    const receivedAccepts: string[] = [];
    cdp.on('Network.webSocketWillSendHandshakeRequest', (event) => {
      const key = header(event.request.headers, 'Sec-WebSocket-Key');
      if (key) sentKeys.push(key);
    });
    cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
      const accept = header(event.response.headers, 'Sec-WebSocket-Accept');
      if (accept) receivedAccepts.push(accept);
    });

    await page.goto(site.url('/en/lessons/05-websocket-handshake/'));
    const viewer = await showDemo(page, 'handshake');
    await viewer.locator('[data-ready="true"]').waitFor();

    const keyLine = viewer.locator('[data-side="request"] button[data-header="sec-websocket-key"] .text');
    const shownKey = (await keyLine.textContent())!.match(/Sec-WebSocket-Key:\s*([A-Za-z0-9+/=]+)/)![1]!;
    expect(sentKeys).toContain(shownKey);
    const acceptLine = viewer.locator('[data-side="response"] button[data-header="sec-websocket-accept"] .text');
    const shownAccept = (await acceptLine.textContent())!.match(/Sec-WebSocket-Accept:\s*([A-Za-z0-9+/=]+)/)![1]!;
    expect(shownAccept).toBe(acceptOf(shownKey));
    expect(receivedAccepts).toContain(shownAccept);

    // Raw bytes: every line ends in a visible CRLF, and the line counts add up to the total.
    const request = viewer.locator('[data-side="request"]');
    const lineBytes = await request.locator('.count').allTextContents();
    const total = Number((await request.locator('.totals').textContent())!.match(/^(\d+) bytes/)![1]);
    expect(lineBytes.reduce((sum, text) => sum + Number.parseInt(text, 10), 0)).toBe(total);
    expect(await request.locator('.eol').allTextContents()).toSatisfy((eols: string[]) => eols.every((e) => e === '\\r\\n'));
    // The demo cookie rides along; the offered extension is declined.
    await expect(request.locator('button[data-header="cookie"]').textContent()).resolves.toContain('demo=hello');
    await expect(request.locator('button[data-header="sec-websocket-extensions"]').textContent()).resolves.toContain('permessage-deflate');
    await viewer.locator('[data-declined="permessage-deflate"]').waitFor();

    // Hover, keyboard focus and click each bring up the line's explanation.
    await request.locator('button[data-header="origin"]').hover();
    await expect(viewer.locator('#hs-note-request').getAttribute('data-note')).resolves.toBe('origin');
    await expect(viewer.locator('#hs-note-request').textContent()).resolves.toContain('CSWSH');
    await request.locator('button[data-header="origin"]').focus();
    await page.keyboard.press('Tab');
    await expect(viewer.locator('#hs-note-request').getAttribute('data-note')).resolves.not.toBe('origin');
    await request.locator('button[data-header="cookie"]').click();
    await expect(viewer.locator('#hs-note-request').textContent()).resolves.toContain('document.cookie');

    // The calculator starts from the same key and reproduces the Accept of the real 101.
    const calculator = await showDemo(page, 'accept-calculator');
    await calculator.locator('[data-step="accept"]').waitFor();
    await expect(calculator.locator('input').inputValue()).resolves.toBe(shownKey);
    await expect(calculator.locator('[data-step="accept"]').textContent()).resolves.toBe(shownAccept);
    await expect(calculator.locator('.calculator').getAttribute('data-verdict')).resolves.toBe('match');
    await expect(calculator.locator('[data-step="sha1"]').textContent()).resolves.toMatch(/^([0-9a-f]{8} ){4}[0-9a-f]{8}$/);
    await expect(calculator.locator('[data-command]').textContent()).resolves.toBe(
      `printf '%s' '${shownKey}${WEBSOCKET_GUID}' | openssl sha1 -binary | base64`,
    );

    // Any key typed in: the RFC example, then an invalid one with the reason.
    await calculator.locator('input').fill('dGhlIHNhbXBsZSBub25jZQ==');
    await expect(calculator.locator('[data-step="accept"]').textContent()).resolves.toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    await expect(calculator.locator('.calculator').getAttribute('data-verdict')).resolves.toBe('');
    await calculator.locator('input').fill('dGhlIHNhbXBsZSBub25jZQ');
    await expect(calculator.locator('[data-problem]').getAttribute('data-problem')).resolves.toBe('length');
    await calculator.locator('button.link').click(); // back to the connection's key
    await expect(calculator.locator('input').inputValue()).resolves.toBe(shownKey);

    // A new handshake: new key, shown by both demos.
    await viewer.locator('.actions button').click();
    await page.waitForFunction(
      (old) => {
        const text = document.querySelector('[data-side="request"] button[data-header="sec-websocket-key"]')?.textContent ?? old;
        return !text.includes(old);
      },
      shownKey,
    );
    const newKey = (await keyLine.textContent())!.match(/Sec-WebSocket-Key:\s*([A-Za-z0-9+/=]+)/)![1]!;
    expect(sentKeys).toContain(newKey);
    await expect(calculator.locator('[data-step="accept"]').textContent()).resolves.toBe(acceptOf(newKey));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without Web Crypto (not a secure context) the calculator says so and still gives the command', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    // What a plain-http page on a LAN address gets: no crypto.subtle.
    await page.addInitScript(() => Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined }));
    await page.goto(site.url('/zh/lessons/05-websocket-handshake/'));
    const calculator = await showDemo(page, 'accept-calculator');
    await calculator.locator('.no-crypto').waitFor();
    await expect(calculator.locator('.no-crypto').textContent()).resolves.toContain('crypto.subtle');
    await expect(calculator.locator('[data-step="accept"]').count()).resolves.toBe(0);
    await expect(calculator.locator('[data-command]').textContent()).resolves.toMatch(/^printf '%s' '[A-Za-z0-9+/]{22}==258EAFA5-/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('frame inspector shows the exact bytes of the three length encodings, ping/pong and close', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const sentFrames: { opcode: number; mask: boolean; payloadData: string }[] = [];
    cdp.on('Network.webSocketFrameSent', (event) => sentFrames.push(event.response));

    await page.goto(site.url('/en/lessons/06-websocket-frames/'));
    const demo = await showDemo(page, 'frame-inspector');
    await demo.locator('.inspector[data-status="open"]').waitFor();
    const detail = demo.locator('.detail');
    const summary = detail.locator('.summary');
    const segment = (id: string) => detail.locator(`[data-segment="${id}"]`).getAttribute('data-hex');
    const showing = (length: number) => detail.locator(`.summary[data-payload-length="${length}"]`).waitFor();

    // "Hello": 81 85, the masking key, and masked bytes that unmask to "Hello".
    await demo.locator('[data-preset="5"]').click();
    await showing(5);
    await expect(detail.getAttribute('data-direction')).resolves.toBe('in');
    await expect(summary.getAttribute('data-length-encoding')).resolves.toBe('7');
    expect(await segment('byte0')).toBe('81');
    expect(await segment('byte1')).toBe('85');
    const key = bytesOf(await segment('maskingKey'));
    const masked = bytesOf(await segment('payload'));
    expect(key).toHaveLength(4);
    expect(toHex(masked.map((b, i) => b ^ key[i % 4]!))).toBe('48 65 6c 6c 6f');
    // The unmasking table says the same, and Chromium confirms it sent a masked "Hello".
    await expect(detail.locator('.unmask .plain').allTextContents()).resolves.toEqual(['= 48', '= 65', '= 6c', '= 6c', '= 6f']);
    expect(sentFrames).toContainEqual({ opcode: 1, mask: true, payloadData: 'Hello' });
    // Hover explains a field for as long as the pointer is on it; a click keeps it.
    const note = detail.locator('.note');
    await detail.locator('[data-segment="maskingKey"]').hover();
    await expect(note.getAttribute('data-note')).resolves.toBe('maskingKey');
    await detail.locator('.legend tr[data-field="mask"] button').click();
    await expect(note.getAttribute('data-note')).resolves.toBe('mask');
    await expect(note.textContent()).resolves.toContain('Here 1: a frame from the browser');
    await detail.locator('button.group[data-field="fin"]').focus();
    await expect(note.getAttribute('data-note')).resolves.toBe('fin');
    // The echo came back unmasked: 81 0b "Echo: Hello".
    await demo.locator('button[data-direction="out"]', { hasText: 'Echo: Hello' }).click();
    await showing(11);
    expect(await segment('byte1')).toBe('0b');
    await expect(detail.locator('[data-segment="maskingKey"]').count()).resolves.toBe(0);
    // Bits: byte 0 of a text frame is 1000 0001.
    await expect(detail.locator('[data-byte="0"] .bit').allTextContents()).resolves.toEqual(['1', '0', '0', '0', '0', '0', '0', '1']);

    // 200 bytes: 7-bit length 126, then 16 bits.
    await demo.locator('[data-preset="200"]').click();
    await showing(200);
    await expect(summary.getAttribute('data-length-encoding')).resolves.toBe('16');
    await expect(summary.getAttribute('data-header-length')).resolves.toBe('8');
    expect(await segment('byte1')).toBe('fe'); // MASK + 126
    expect(await segment('extendedLength')).toBe('00 c8');

    // 70,000 bytes: 127, then 64 bits; only a preview of the payload in the DOM. Our server
    // refuses messages over 64 KiB, so it closes with 1009: that is part of the lesson.
    await demo.locator('[data-preset="70000"]').click();
    await showing(70_000);
    await expect(summary.getAttribute('data-length-encoding')).resolves.toBe('64');
    await expect(summary.getAttribute('data-header-length')).resolves.toBe('14');
    expect(await segment('byte1')).toBe('ff');
    expect(await segment('extendedLength')).toBe('00 00 00 00 00 01 11 70');
    expect(bytesOf(await segment('payload'))).toHaveLength(48);
    await expect(detail.locator('[data-segment="payload"] .more').textContent()).resolves.toBe('… (69,952 more bytes)');
    expect(await detail.locator('.byte').count()).toBeLessThan(100);
    await demo.locator('[data-close-code="1009"]').waitFor();
    await demo.locator('button[data-direction="out"][data-opcode="8"]').waitFor();

    // Reconnect, then a ping from the server and the browser's automatic pong.
    await demo.locator('[data-action="reconnect"]').click();
    await demo.locator('.inspector[data-status="open"]').waitFor();
    await demo.locator('[data-action="ping"]').click();
    await demo.locator('button[data-direction="out"][data-opcode="9"]').waitFor();
    await demo.locator('button[data-direction="in"][data-opcode="10"]').waitFor();
    await expect(detail.locator('[data-payload]').textContent()).resolves.toContain('are you there?');

    // A page may not send 1001: the browser refuses, and the demo says so.
    await demo.locator('select[data-close-code]').selectOption('1001');
    await demo.locator('[data-action="close"]').click();
    await demo.locator('[data-refusal]').waitFor();
    await expect(demo.locator('.inspector').getAttribute('data-status')).resolves.toBe('open');

    // Close with 4000 and a reason: both close frames, decoded.
    await demo.locator('select[data-close-code]').selectOption('4000');
    await demo.locator('input.reason').fill('see you');
    await demo.locator('[data-action="close"]').click();
    await demo.locator('[data-close-code="4000"]').waitFor();
    await demo.locator('button[data-direction="out"][data-opcode="8"]').waitFor();
    await expect(detail.getAttribute('data-direction')).resolves.toBe('in');
    await expect(detail.locator('[data-payload]').textContent()).resolves.toContain('4000');
    await expect(detail.locator('[data-payload]').textContent()).resolves.toContain('see you');
    await expect(demo.locator('[data-action="reconnect"]').isEnabled()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('browser API demo: readyState lights up, events are logged, bufferedAmount rises and drains', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/zh/lessons/07-browser-api/'));
    const demo = await showDemo(page, 'ws-api');
    const api = demo.locator('.api');
    const machine = demo.locator('.machine ol');
    await demo.locator('[data-action="connect"]:not([disabled])').click();
    await demo.locator('.api[data-ready-state="1"]').waitFor();
    await expect(machine.getAttribute('data-state')).resolves.toBe('1');
    await expect(machine.locator('li.visited').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-value')))).resolves.toEqual(['0', '1']);
    await expect(machine.locator('li[aria-current="step"]').getAttribute('data-value')).resolves.toBe('1');

    await demo.locator('[data-action="send"]').click();
    await demo.locator('.log li[data-kind="message"]', { hasText: 'Echo: hello' }).waitFor();

    // Watch the meter from inside the page, once per frame, so no rise can slip between polls.
    const watch = page.evaluate(
      () =>
        new Promise<{ max: number; last: number }>((resolve) => {
          const meter = document.querySelector('.meter')!;
          let max = 0;
          const started = performance.now();
          const tick = () => {
            const value = Number(meter.getAttribute('data-buffered'));
            max = Math.max(max, value);
            if ((max > 0 && value === 0) || performance.now() - started > 30_000) resolve({ max, last: value });
            else requestAnimationFrame(tick);
          };
          tick();
        }),
    );
    await demo.locator('[data-action="burst"]').click();
    const seen = await watch;
    expect(seen.max).toBeGreaterThan(0);
    expect(seen.last).toBe(0);
    const peak = Number(await demo.locator('.meter').getAttribute('data-peak'));
    expect(peak).toBeGreaterThan(1024 * 1024);
    await demo.locator('.meter polyline').waitFor();
    await demo.locator('.log li[data-kind="meter"]').waitFor();
    // All 200 echoes come back (folded into log lines with counts).
    await page.waitForFunction(() => {
      const counts = [...document.querySelectorAll('.log li[data-kind="message"] .text')]
        .filter((li) => li.textContent?.includes('61,440'))
        .map((li) => Number(li.querySelector('.count')?.textContent?.match(/\d+/)?.[0] ?? 1));
      return counts.reduce((a, b) => a + b, 0) === 200;
    });

    await demo.locator('[data-action="close"]').click();
    await demo.locator('.api[data-ready-state="3"]').waitFor();
    await expect(machine.locator('li.visited').count()).resolves.toBe(4); // CLOSING was seen too
    await expect(demo.locator('.log li[data-kind="close"]').textContent()).resolves.toMatch(/code 1000.*done.*wasClean true/);
    await expect(api.locator('[data-action="connect"]').isEnabled()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('echo demo echoes text and binary', async () => {
    const page = await site.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(site.url('/en/lessons/08-servers/'));
    const demo = await showDemo(page, 'echo');
    await demo.locator('.echo[data-status="open"]').waitFor();
    await demo.locator('input').fill('ping from e2e');
    await demo.locator('button[type="submit"]').click();
    await demo.locator('li[data-from="server"]', { hasText: 'Echo: ping from e2e' }).waitFor();
    await demo.locator('[data-action="binary"]').click();
    const you = await demo.locator('li[data-from="you"] code').last().textContent();
    await demo.locator('li[data-from="server"] code').waitFor();
    await expect(demo.locator('li[data-from="server"] code').last().textContent()).resolves.toBe(you);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('chat works between two pages in the same room, joined through the share link', async () => {
    const room = `e2e-${Date.now()}`;
    const pages = await Promise.all([site.browser.newPage(), site.browser.newPage()]);
    const errors = pages.map(watchErrors);
    const [alice, bob] = pages as [Page, Page];

    await alice.goto(site.url(`/en/lessons/08-servers/?room=${room}#chat-demo`));
    const aliceChat = await showDemo(alice, 'chat');
    await expect(aliceChat.locator('[data-field="room"]').inputValue()).resolves.toBe(room);
    await aliceChat.locator('[data-field="nick"]').fill('alice');
    await aliceChat.locator('[data-action="join"]').click();
    await aliceChat.locator('.chat[data-status="open"]').waitFor();
    const link = await aliceChat.locator('[data-share-link]').getAttribute('href');
    expect(link).toBe(site.url(`/en/lessons/08-servers/?room=${room}#chat-demo`));

    await bob.goto(link!);
    const bobChat = await showDemo(bob, 'chat');
    await bobChat.locator('[data-field="nick"]').fill('bob');
    await bobChat.locator('[data-action="join"]').click();
    await bobChat.locator('.chat[data-status="open"]').waitFor();
    await aliceChat.locator('[data-notice="join"]', { hasText: 'bob joined' }).waitFor();
    await expect(aliceChat.locator('[data-members]').getAttribute('data-members')).resolves.toBe('2');

    await aliceChat.locator('[data-field="message"]').fill('hello bob');
    await aliceChat.locator('[data-action="say"]').click();
    await bobChat.locator('li[data-from="alice"]', { hasText: 'hello bob' }).waitFor();
    await bobChat.locator('[data-field="message"]').fill('hi alice');
    await bobChat.locator('[data-action="say"]').click();
    await aliceChat.locator('li[data-from="bob"]', { hasText: 'hi alice' }).waitFor();

    await bobChat.locator('[data-action="leave"]').click();
    await aliceChat.locator('[data-notice="leave"]', { hasText: 'bob left' }).waitFor();
    expect(errors.flat()).toEqual([]);
    await Promise.all(pages.map((page) => page.close()));
  });
});
