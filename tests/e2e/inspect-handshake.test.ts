// The handshake viewer and the Sec-WebSocket-Accept calculator in real Chromium against the real
// server, checked against what Chromium itself reports over CDP.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showDemo, startSite, watchErrors } from '../helpers/site.ts';
import { WEBSOCKET_GUID } from '../../src/protocol/accept.ts';

const acceptOf = (key: string) => createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
/** Header lookup in a CDP header object, whose name case is the browser's business. */
function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

describe('inspect demos: handshake', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
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
});
