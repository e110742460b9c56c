import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createClient } from '@redis/client';
import { PortTakenError, startOnFreePort } from './free-port';

/**
 * A real redis-server from Debian's packages (`apt-get install redis-server`) on a free port on
 * 127.0.0.1 (another one when a process takes it first), in memory only: no RDB snapshots, no
 * append-only file, nothing left behind.
 */

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (as an outage would); `start()` brings it back empty on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Suspends the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  freeze(): void;
  thaw(): void;
  /** Every key the server holds. */
  keys(): Promise<string[]>;
}

/**
 * redis-server on `port`, resolved once it answers there as itself; PortTakenError when another
 * process bound the port first.
 */
export async function spawnRedis(port: number): Promise<ChildProcess> {
  const server = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout?.on('data', (chunk) => (output += chunk));
  server.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (server.exitCode !== null) {
      // Free when picked, taken by another process before redis-server bound it.
      if (/Address already in use/i.test(output)) throw new PortTakenError(`redis-server lost its port: ${output}`);
      throw new Error(`redis-server exited: ${output}`);
    }
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    // Ours, not another process's redis-server that took the port first.
    const ready = await client.connect().then(
      async () => (await client.info('server')).includes(`process_id:${server.pid}\r`),
      () => false,
    );
    if (client.isOpen) client.destroy();
    if (ready) return server;
    if (Date.now() > deadline) throw new Error(`redis-server did not become ready: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startTestRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER))
    throw new Error(`redis-server not found at ${REDIS_SERVER}: apt-get install redis-server`);
  let server: ChildProcess | null = null;
  const port = await startOnFreePort(async (port) => {
    server = await spawnRedis(port);
    return port;
  });
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    async stop() {
      const running = server;
      server = null;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGCONT');
      running.kill('SIGTERM');
      await new Promise((r) => running.once('exit', r));
    },
    async start() {
      server ??= await spawnRedis(port);
    },
    freeze() {
      server?.kill('SIGSTOP');
    },
    thaw() {
      server?.kill('SIGCONT');
    },
    async keys() {
      const client = createClient({ url });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await client.keys('*');
      } finally {
        client.destroy();
      }
    },
  };
}
