import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now. Another process may take it before the server it is
 * meant for binds it, so only startOnFreePort uses it, and tries again when that happens.
 */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What a start throws when another process bound its port first (its output said EADDRINUSE). */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

export const PORT_ATTEMPTS = 5;

/**
 * Starts a server that must be told its port before it starts (a Next server: APP_ORIGIN follows
 * its port; redis-server): `start` gets a port free a moment before, and when another process
 * takes it first (`start` throws PortTakenError) it is called again with another, up to
 * PORT_ATTEMPTS times. `start` must stop what it started before it throws. A server that can
 * bind port 0 itself does that instead and reports the port it got.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}
