// The flood attacks of bench/hostile.ts: pings and chat lines as fast as a socket takes them,
// with the default fair-use limits, which must cut them (1008).
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import { sleep } from './hostile-target.ts';
import { MiB, WS_MESSAGES_PER_SECOND, WS_PINGS_PER_SECOND, RATE_WINDOW_S, goal, type Attack, ms } from './hostile-goals.ts';

/** Floods `ws` with `send` as fast as its socket takes it, for `limitMs` or until closed. */
async function flood(ws: WebSocket, send: () => void, limitMs: number): Promise<{ sent: number; code: number | null; cutMs: number | null }> {
  const started = performance.now();
  let code: number | null = null;
  let cutMs: number | null = null;
  ws.once('close', (closeCode) => ((code = closeCode), (cutMs = performance.now() - started)));
  let sent = 0;
  while (ws.readyState === WebSocket.OPEN && performance.now() - started < limitMs) {
    for (let i = 0; i < 100 && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MiB; i++, sent++) send();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A close the server sent may still be on its way.
  const deadline = performance.now() + 1000;
  while (code === null && performance.now() < deadline) await sleep(10);
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  return { sent, code, cutMs };
}

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

export const pingFlood: Attack = {
  id: 'f1',
  title: 'ping flood (2 s, default limits)',
  short: 'ping flood',
  settings: {},
  async run(target) {
    const ws = await open(`ws://127.0.0.1:${target.port}/ws/echo`);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    const result = await flood(ws, () => ws.ping(), 2000);
    const allowance = WS_PINGS_PER_SECOND * RATE_WINDOW_S;
    return {
      endedAt: performance.now(),
      notes: [`${result.sent} pings sent on /ws/echo; ${pongs} answered; closed with ${result.code ?? 'nothing'}${result.cutMs === null ? '' : ` after ${ms(result.cutMs)}`}`],
      goals: [
        goal(`cut with ${CLOSE_CODES.policyViolation} within 2 s (got ${result.code ?? 'no close'})`, result.code === CLOSE_CODES.policyViolation),
        goal(`pongs answered ≤ the address's allowance ${allowance} (${WS_PINGS_PER_SECOND}/s over ${RATE_WINDOW_S} s): ${pongs}`, pongs <= allowance),
      ],
    };
  },
};

export const chatFlood: Attack = {
  id: 'f2',
  title: 'chat flood (2 s, default limits)',
  short: 'chat flood',
  settings: {},
  async run(target) {
    const room = `ws://127.0.0.1:${target.port}/ws/chat?room=flood`;
    const bystander = await open(`${room}&name=bystander`);
    const flooder = await open(`${room}&name=flooder`);
    let seenByBystander = 0;
    let leaveSeen = false;
    bystander.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; name?: string };
      if (message.type === 'chat') seenByBystander++;
      if (message.type === 'leave' && message.name === 'flooder') leaveSeen = true;
    });
    let echoed = 0;
    flooder.on('message', (data) => String(data).startsWith('{"type":"chat"') && echoed++);
    const line = 'flood '.repeat(16);
    const result = await flood(flooder, () => flooder.send(line), 2000);
    await sleep(200);
    const bystanderOpen = bystander.readyState === WebSocket.OPEN;
    bystander.close();
    await new Promise((resolve) => (bystander.readyState === WebSocket.CLOSED ? resolve(null) : bystander.once('close', resolve)));
    const allowance = WS_MESSAGES_PER_SECOND * RATE_WINDOW_S;
    return {
      endedAt: performance.now(),
      notes: [
        `${result.sent} chat lines sent; closed with ${result.code ?? 'nothing'}${result.cutMs === null ? '' : ` after ${ms(result.cutMs)}`}; ` +
          `${echoed} came back to the flooder, ${seenByBystander} reached the bystander, who ${bystanderOpen ? 'stayed connected' : 'was disconnected'}${leaveSeen ? ' and saw the flooder leave' : ''}`,
      ],
      goals: [
        goal(`cut with ${CLOSE_CODES.policyViolation} within 2 s (got ${result.code ?? 'no close'})`, result.code === CLOSE_CODES.policyViolation),
        goal(`lines broadcast ≤ the address's allowance ${allowance} (${WS_MESSAGES_PER_SECOND}/s over ${RATE_WINDOW_S} s): ${seenByBystander}`, seenByBystander <= allowance),
        goal('the bystander stayed connected and saw the flooder leave', bystanderOpen && leaveSeen),
      ],
    };
  },
};
