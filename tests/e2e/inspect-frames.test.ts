// The frame inspector in real Chromium against the real server: the bytes of the three length
// encodings, checked by unmasking them here; ping/pong and close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showDemo, startSite, watchErrors } from '../helpers/site.ts';

const bytesOf = (hex: string | null) => (hex ?? '').split(' ').filter(Boolean).map((h) => parseInt(h, 16));
const toHex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

describe('inspect demos: frames', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(() => site.close());

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
});
