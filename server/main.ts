// The only file that listens: config → server → signals → graceful shutdown.
import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

const config = loadConfig({}, process.env);
const running = await startServer(config);
console.log(`Realtime explained: ${running.url}/  (API and site on one port; Ctrl+C stops)`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing connections…`);
    // Hard stop if anything hangs: the issue promises an exit within 5 s.
    setTimeout(() => process.exit(1), 4800).unref();
    running.close().then(() => process.exit(0));
  });
}
