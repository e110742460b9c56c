import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonPost } from '../support/cookie-jar';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startOnFreePort, startTestCognito, untilServing, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Two instances of the production app (`next start`) behind one embedded Cognito, sharing one
 * REDIS_URL, as two containers behind a load balancer would: every limit counts the attempts
 * made on either instance, so splitting an attack across instances gains nothing.
 */

interface Instance {
  baseUrl: string;
  server: ChildProcess;
  output(): string;
}

const WEBHOOK = { username: 'corbado-webhook', password: 'webhook-password-0123456789' };

let redis: TestRedis;
let stack: TestCognito;
let a: Instance;
let b: Instance;

/**
 * One more `next start` of the same build, on the shared Cognito and the shared Redis (on another
 * port when another process takes the one it was given first).
 */
function startInstance(): Promise<Instance> {
  return startOnFreePort(async (port) => {
    const baseUrl = `http://localhost:${port}`;
    const server = spawn(process.execPath, [require.resolve('next/dist/bin/next'), 'start', '-p', String(port)], {
      env: {
        ...process.env,
        ...stack.env,
        APP_ORIGIN: baseUrl,
        REDIS_URL: redis.url,
        CORBADO_WEBHOOK_USERNAME: WEBHOOK.username,
        CORBADO_WEBHOOK_PASSWORD: WEBHOOK.password,
        NODE_ENV: 'production',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    const instance = { baseUrl, server, output: () => output };
    await untilServing(
      server,
      instance.output,
      `${baseUrl}/api/health`,
      'next start',
      () => stopInstance(instance),
      90_000,
    );
    return instance;
  });
}

async function stopInstance(instance: Instance | undefined) {
  if (!instance || instance.server.exitCode !== null) return;
  instance.server.kill('SIGTERM');
  await new Promise((r) => instance.server.once('exit', r));
}

beforeAll(async () => {
  redis = await startTestRedis();
  stack = await startTestCognito();
  [a, b] = await Promise.all([startInstance(), startInstance()]);
});
afterAll(async () => {
  await Promise.all([stopInstance(a), stopInstance(b)]);
  await stack?.stop();
  await redis?.stop();
});

const post = (instance: Instance, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${instance.baseUrl}${path}`, jsonPost(body, { origin: instance.baseUrl, ...headers }));

function expectRateLimited(response: Response, windowSeconds: number) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(response.headers.getSetCookie()).toEqual([]);
}

describe('limits shared by two app instances through Redis', () => {
  it('10 wrong passwords split across both instances lock the account on both: even the right password gets 429 with Retry-After', async () => {
    const email = 'split.guess@example.com';
    const other = 'bystander@example.com';
    const password = 'Right-horse-9';
    await addPasswordUser(stack, email, password);
    await addPasswordUser(stack, other, password);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const instance = attempt % 2 ? a : b;
      const wrong = await post(instance, '/api/auth/password', { email, password: `Wrong-horse-${attempt}` });
      expect(wrong.status).toBe(401);
    }
    for (const instance of [a, b]) {
      const right = await post(instance, '/api/auth/password', { email, password });
      expectRateLimited(right, 900);
      expect(await right.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    }
    // Another account is not locked by it, on either instance.
    expect((await post(a, '/api/auth/password', { email: other, password })).status).toBe(200);
    expect((await post(b, '/api/auth/password', { email: other, password })).status).toBe(200);
  });

  it('email codes: 5 sends for one email across both instances, then the 6th on either gets 429', async () => {
    const email = 'split.codes@example.com';
    for (let send = 0; send < 5; send += 1) {
      const response = await post(send < 3 ? a : b, '/api/auth/email-code', { email });
      expect(response.status).toBeLessThan(300);
    }
    expectRateLimited(await post(a, '/api/auth/email-code', { email }), 900);
    expectRateLimited(await post(b, '/api/auth/email-code', { email }), 900);
  });

  it('passkey ceremony starts: 60 a minute per address across both instances, then 429', async () => {
    for (let start = 0; start < 60; start += 1) {
      const response = await post(start % 2 ? a : b, '/api/passkeys/sign-in/options', {});
      expect(response.status).toBe(200);
    }
    expectRateLimited(await post(a, '/api/passkeys/sign-in/options', {}), 60);
    expectRateLimited(await post(b, '/api/passkeys/sign-in/options', {}), 60);
  });

  it("the webhook's passwordVerify: 10 guesses at one username across both instances, then 429", async () => {
    const authorization = `Basic ${Buffer.from(`${WEBHOOK.username}:${WEBHOOK.password}`).toString('base64')}`;
    const verify = (instance: Instance, attempt: number) =>
      post(
        instance,
        '/api/corbado/webhook',
        {
          id: `req-${attempt}`,
          projectID: 'pro-1',
          action: 'passwordVerify',
          data: { username: 'split.verify@example.com', password: `Guess-${attempt}` },
        },
        { authorization, 'x-corbado-action': 'passwordVerify' },
      );
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const response = await verify(attempt % 2 ? a : b, attempt);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data: { success: false } });
    }
    expectRateLimited(await verify(a, 10), 900);
    expectRateLimited(await verify(b, 11), 900);
  });

  it('neither instance logged a Redis failure: the counters really were shared', () => {
    for (const instance of [a, b]) expect(instance.output()).not.toContain('rate_limit_store_unavailable');
  });
});
