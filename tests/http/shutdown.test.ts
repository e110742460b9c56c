import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv, startTestApp, type TestApp } from '../support/stack';

/**
 * Graceful shutdown of the production server (scripts/next-server.mjs) over real processes and
 * raw sockets: a request is "in flight" while its body is still arriving, so a test decides
 * exactly when it ends, or that it never does.
 */

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface RawConnection {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
}

function openConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (received += chunk));
    const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, closed }));
  });
}

/** Sends a code request's headers and half its body; the rest goes with `finish()`. */
async function startSlowRequest(target: TestApp): Promise<RawConnection & { finish(): void }> {
  const connection = await openConnection(Number(new URL(target.baseUrl).port));
  const body = JSON.stringify({ email: 'slow@example.com' });
  const half = Math.floor(body.length / 2);
  connection.socket.write(
    `POST /api/auth/email-code HTTP/1.1\r\nHost: ${new URL(target.baseUrl).host}\r\n` +
      `Origin: ${target.env.APP_ORIGIN}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body.slice(0, half)}`,
  );
  return { ...connection, finish: () => connection.socket.write(body.slice(half)) };
}

function exitOf(target: TestApp): Promise<number | null> {
  return new Promise((resolve) => target.server.once('exit', (code) => resolve(code)));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Lets the server read the headers and hand the request to Next before the signal. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('SIGTERM drains the production server', () => {
  it('a slow request in flight completes, idle keep-alive sockets close, new connections are refused, exit 0', async () => {
    app = await startTestApp({ SHUTDOWN_TIMEOUT_SECONDS: '25' });
    const port = Number(new URL(app.baseUrl).port);
    const idle = await openConnection(port);
    idle.socket.write(
      `GET /api/health HTTP/1.1\r\nHost: ${new URL(app.baseUrl).host}\r\nConnection: keep-alive\r\n\r\n`,
    );
    const slow = await startSlowRequest(app);
    await settle();
    const exited = exitOf(app);

    app.server.kill('SIGTERM');
    await until(() => app!.output().includes('SIGTERM: finishing the requests in flight'));
    // The idle keep-alive socket is closed after its one answer, not kept until the deadline.
    expect(await idle.closed).toMatch(/^HTTP\/1\.1 200 /);
    await expect(openConnection(port)).rejects.toThrow(/ECONNREFUSED/);

    slow.finish();
    const answer = await slow.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
    expect(answer).toContain('{"sent":true}');
    expect(await exited).toBe(0);
    expect(app.output()).not.toContain('deadline');
  });

  it('a request that never finishes does not keep the server past the deadline: exit 1', async () => {
    app = await startTestApp({ SHUTDOWN_TIMEOUT_SECONDS: '2' });
    const hanging = await startSlowRequest(app);
    await settle();
    const exited = exitOf(app);

    app.server.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(app.output()).toContain('Shutdown deadline of 2 s reached with requests in flight');
    expect(await hanging.closed).toBe('');
  });

  it('a second signal stops it at once, whatever the deadline', async () => {
    app = await startTestApp({ SHUTDOWN_TIMEOUT_SECONDS: '3600' });
    const hanging = await startSlowRequest(app);
    await settle();
    const exited = exitOf(app);

    app.server.kill('SIGTERM');
    await until(() => app!.output().includes('SIGTERM: finishing'));
    app.server.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(app.output()).toContain('SIGINT again: stopping now.');
    await hanging.closed;
  });

  it('refuses a malformed SHUTDOWN_TIMEOUT_SECONDS with one line, before it starts Next', () => {
    const run = spawnSync(process.execPath, [path.resolve('scripts/next-server.mjs')], {
      env: isolatedEnv({ SHUTDOWN_TIMEOUT_SECONDS: '10s' }),
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Configuration error: SHUTDOWN_TIMEOUT_SECONDS must be a number of seconds/),
    ]);
  });
});
