// The only file that listens: config → server → signals → graceful shutdown.
import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

let config;
try {
  config = loadConfig({}, process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const running = await startServer(config).catch((error: NodeJS.ErrnoException) => {
  // The usual first-run trouble deserves a sentence, not a stack trace.
  if (error.code === 'EADDRINUSE') console.error(`Port ${config.port} on ${config.host} is in use: stop the other server or set PORT=…`);
  else if (error.code === 'EACCES') console.error(`Not allowed to listen on port ${config.port}: choose PORT above 1023.`);
  else console.error(error);
  process.exit(1);
});
console.log(`Realtime explained: ${running.url}/  (API and site on one port; Ctrl+C stops)`);

// A promise nobody awaited failed: that is our bug, not the client's, and one client's request
// must not take the server down for the whole classroom. Log it loudly and keep serving.
process.on('unhandledRejection', (reason) => console.error('BUG: unhandled rejection:', reason));

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
