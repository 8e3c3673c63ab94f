import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readLessons } from '../helpers/lessons.ts';
import { waitFor } from '../helpers/server.ts';

// The code samples of lesson 08 are meant to be copied and run: run them, in both languages.
// Files go under node_modules/.cache so the Node samples resolve `ws` from this project.
mkdirSync('node_modules/.cache', { recursive: true });
const workDir = mkdtempSync(join('node_modules/.cache', 'lesson-samples-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill();
  rmSync(workDir, { recursive: true, force: true });
});

/** The fenced block with `title="<file>"` in a lesson body. */
function sample(body: string, file: string): string {
  const match = new RegExp('```\\w+ title="' + file.replace('.', '\\.') + '"\\n([\\s\\S]*?)\\n```').exec(body);
  if (!match) throw new Error(`no code block titled ${file}`);
  return match[1]!;
}

/** Starts a sample on a free port and resolves with the port it printed. */
async function runSample(command: string, file: string, code: string): Promise<number> {
  const path = join(workDir, file);
  writeFileSync(path, code);
  const child = spawn(command, [path], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await waitFor(() => /listening.*:(\d+)\s*$/m.exec(output)?.[1], 10_000, `${file} to print "listening" (got: ${output})`);
  return Number(port);
}

const connect = (port: number) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const nextMessage = (ws: WebSocket) =>
  new Promise<{ data: Buffer; isBinary: boolean }>((resolve) => ws.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })));

async function expectEcho(port: number) {
  const ws = await connect(port);
  ws.send('hello');
  const text = await nextMessage(ws);
  expect([text.data.toString(), text.isBinary]).toEqual(['Echo: hello', false]);
  ws.send(Buffer.from([1, 2, 3]));
  const binary = await nextMessage(ws);
  expect([[...binary.data], binary.isBinary]).toEqual([[1, 2, 3], true]);
  ws.close();
}

describe.each(readLessons().filter((l) => l.slug === '08-servers').map((l) => [l.locale, l] as const))('lesson 08 samples (%s)', (_locale, lesson) => {
  it('the Node echo server echoes text as "Echo: …" and binary as is', async () => {
    await expectEcho(await runSample(process.execPath, `echo-server-${lesson.locale}.mjs`, sample(lesson.body, 'echo-server.mjs')));
  });

  it("the Python echo server (today's websockets API) does the same", async () => {
    await expectEcho(await runSample('/usr/bin/python3', `echo_server_${lesson.locale}.py`, sample(lesson.body, 'echo_server.py')));
  });

  it('the Node chat server broadcasts a message to the other members', async () => {
    const port = await runSample(process.execPath, `chat-server-${lesson.locale}.mjs`, sample(lesson.body, 'chat-server.mjs'));
    const [alice, bob] = await Promise.all([connect(port), connect(port)]);
    const received = nextMessage(bob);
    alice.send('hi bob');
    expect((await received).data.toString()).toContain('hi bob');
    alice.close();
    bob.close();
  });
});
