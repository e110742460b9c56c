import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for a server that must be told its port before it
 * starts: another process may take it before that server binds it, so its starter retries on
 * EADDRINUSE (scripts/first-run/steps.ts, tests/support/stack.ts). A server that can bind port 0
 * itself does that instead and reports the port it got.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
