// Load generator for the hostile suite, run in its own process so the clients' CPU does not
// skew what the test process measures:
//   node --import tsx tests/helpers/hostile-hammer.ts <port> <target> <connections> <durationMs>
// Each connection sends GET <target> over keep-alive again and again, reading and discarding
// each reply, until the duration is up. Prints one JSON line: {"replies","bytes"}.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** One keep-alive connection looping on `target` until `deadline` (performance.now()). */
export function hammer(port: number, target: string, deadline: number): Promise<{ replies: number; bytes: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 'latin1');
    let replies = 0;
    let bytes = 0;
    let head = '';
    let bodyLeft = -1;
    const next = () => {
      if (performance.now() >= deadline) return socket.end();
      head = '';
      bodyLeft = -1;
      socket.write(request);
    };
    socket.on('connect', next);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      let rest = chunk;
      if (bodyLeft < 0) {
        head += rest.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        bodyLeft = Number(/content-length:\s*(\d+)/i.exec(head.slice(0, end))?.[1] ?? 0);
        rest = Buffer.from(head.slice(end + 4), 'latin1');
      }
      bodyLeft -= rest.length;
      if (bodyLeft <= 0) {
        replies++;
        next();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ replies, bytes }));
  });
}

/** Runs `connections` hammers in a child process for `durationMs`; resolves with their totals. */
export function hammerInChild(port: number, target: string, connections: number, durationMs: number): Promise<{ replies: number; bytes: number }> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(port), target, String(connections), String(durationMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(output.trim().split('\n').at(-1)!) as { replies: number; bytes: number });
      } catch {
        reject(new Error(`hammer exited ${code}: ${output}`));
      }
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [port, target, connections, durationMs] = process.argv.slice(2);
  const deadline = performance.now() + Number(durationMs);
  const results = await Promise.all(Array.from({ length: Number(connections) }, () => hammer(Number(port), target!, deadline)));
  console.log(JSON.stringify({ replies: results.reduce((s, r) => s + r.replies, 0), bytes: results.reduce((s, r) => s + r.bytes, 0) }));
}
