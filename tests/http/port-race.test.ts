import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedis, startTestRedis, type TestRedis } from '../support/redis';
import {
  PortTakenError,
  startNextServer,
  startOnFreePort,
  startTestCognito,
  type NextServer,
  type TestCognito,
} from '../support/stack';

/**
 * The race a clean-clone CI run lost ("listen EADDRINUSE"): a server that must be told its port
 * gets one free a moment before, and a parallel test takes it first. Made to happen here: a
 * squatter binds the port between the pick and the server's start. The start must see that it
 * lost (not take the squatter's answers for its own) and go to another port.
 */

let stack: TestCognito;
const squatters: Server[] = [];

/** An HTTP server on `port` answering 200 "Ready" to everything: what a health poll could mistake for ours. */
function squat(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer((_request, response) => response.end('Ready'));
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      squatters.push(server);
      resolve();
    });
  });
}

beforeAll(async () => {
  stack = await startTestCognito();
});
afterAll(async () => {
  await Promise.all(squatters.map((server) => new Promise((resolve) => server.close(resolve))));
  await stack?.stop();
});

describe('a Next server whose port another process took first', () => {
  it('fails with PortTakenError, though the squatter answers its health route with 200', async () => {
    const port = await startOnFreePort(async (port) => port);
    await squat(port);
    await expect(
      startNextServer(port, { ...stack.env, APP_ORIGIN: `http://localhost:${port}` }),
    ).rejects.toBeInstanceOf(PortTakenError);
  });

  it('under startOnFreePort, starts on another port and serves there as itself', async () => {
    const tried: number[] = [];
    let next: NextServer | undefined;
    try {
      next = await startOnFreePort(async (port) => {
        tried.push(port);
        if (tried.length === 1) await squat(port);
        return startNextServer(port, { ...stack.env, APP_ORIGIN: `http://localhost:${port}` });
      });
      expect(tried).toHaveLength(2);
      expect(next.baseUrl).toBe(`http://localhost:${tried[1]}`);
      expect(next.output()).toContain(`Ready on http://localhost:${tried[1]}`);
      expect((await fetch(`${next.baseUrl}/api/health/live`)).status).toBe(200);
    } finally {
      await next?.stop();
    }
  });
});

describe('a redis-server whose port another redis-server took first', () => {
  let other: TestRedis;
  beforeAll(async () => {
    other = await startTestRedis();
  });
  afterAll(() => other?.stop());

  it('fails with PortTakenError, though a redis answers there', async () => {
    await expect(spawnRedis(other.port)).rejects.toBeInstanceOf(PortTakenError);
  });

  it('under startOnFreePort, starts on another port', async () => {
    const tried: number[] = [];
    const server = await startOnFreePort(async (port) => {
      tried.push(port);
      return spawnRedis(tried.length === 1 ? other.port : port);
    });
    try {
      expect(tried).toHaveLength(2);
      expect(server.exitCode).toBeNull();
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});
