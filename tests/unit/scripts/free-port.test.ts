import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PORT_ATTEMPTS, PortTakenError, startOnFreePort } from '../../../scripts/support/free-port';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Listens on `port` of 127.0.0.1, as a server that must be told its port does; rejects with Node's error. */
function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      servers.push(server);
      resolve(server);
    });
  });
}

describe('startOnFreePort', () => {
  it('another process binding the port between the pick and the bind: the start is tried again on another port', async () => {
    const tried: number[] = [];
    const started = await startOnFreePort(async (port) => {
      tried.push(port);
      // The race, made to happen: a parallel test takes the port just picked, before our server binds it.
      if (tried.length === 1) await listenOn(port);
      try {
        return await listenOn(port);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortTakenError(String(error));
        throw error;
      }
    });
    expect(tried).toHaveLength(2);
    expect(tried[1]).not.toBe(tried[0]);
    expect((started.address() as { port: number }).port).toBe(tried[1]);
  });

  it(`gives up after ${PORT_ATTEMPTS} lost ports, with the last loss`, async () => {
    let attempts = 0;
    const lost = startOnFreePort(async (port) => {
      attempts += 1;
      throw new PortTakenError(`lost ${port}`);
    });
    await expect(lost).rejects.toBeInstanceOf(PortTakenError);
    expect(attempts).toBe(PORT_ATTEMPTS);
  });

  it('any other failure ends it at once', async () => {
    let attempts = 0;
    const failed = startOnFreePort(async () => {
      attempts += 1;
      throw new Error('configuration error');
    });
    await expect(failed).rejects.toThrow('configuration error');
    expect(attempts).toBe(1);
  });
});
