import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCode } from '../support/browser';
import { CookieJar } from '../support/cookie-jar';
import { startTestDynamoDb, type TestDynamoDb } from '../support/dynalite';
import { startTestRedis, type TestRedis } from '../support/redis';
import { SoftAuthenticator } from '../support/soft-authenticator';
import {
  startNextServer,
  startOnFreePort,
  startTestCognito,
  type NextServer,
  type TestCognito,
} from '../support/stack';

/**
 * Two production servers (`next start` as `npm start` runs it), as behind one load balancer:
 * one public origin, one embedded Cognito reached as a real pool (not EMBEDDED), the passkey
 * state in one DynamoDB table (dynalite), the rate limits in one real Redis, and nothing else
 * shared (each has its own data folder and outbox). Every step goes to the instance the test
 * names; a ceremony or code must work whichever instance it reaches.
 */

let cognito: TestCognito;
let dynamo: TestDynamoDb;
let redis: TestRedis;
let a: NextServer;
let b: NextServer;
let origin: string;
const dataDirs: Record<'a' | 'b', string> = { a: '', b: '' };

beforeAll(async () => {
  [cognito, dynamo, redis] = await Promise.all([startTestCognito(), startTestDynamoDb(), startTestRedis()]);
  const { EMBEDDED: _embedded, ...pool } = cognito.env;
  const shared = { ...pool, ...dynamo.env, REDIS_URL: redis.url, EMAIL_OUTBOX_IN_PRODUCTION: '1' };
  for (const name of ['a', 'b'] as const) dataDirs[name] = mkdtempSync(path.join(tmpdir(), `two-instances-${name}-`));
  // The public origin is A's address; both instances are told it, so B starts once A has its port.
  a = await startOnFreePort((port) =>
    startNextServer(port, { ...shared, APP_ORIGIN: `http://localhost:${port}`, DATA_DIR: dataDirs.a }),
  );
  origin = a.baseUrl;
  b = await startOnFreePort((port) => startNextServer(port, { ...shared, APP_ORIGIN: origin, DATA_DIR: dataDirs.b }));
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(a?.output(), b?.output());
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([cognito?.stop(), dynamo?.stop(), redis?.stop()]);
  for (const dir of Object.values(dataDirs)) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A browser on the one public origin whose requests land on the instance each call names. */
class Browser {
  readonly jar = new CookieJar();
  fetch(
    server: NextServer,
    route: string,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ): Promise<Response> {
    const headers: Record<string, string> = { origin };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.jar.fetch(`${server.baseUrl}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

const outboxOf = (server: NextServer) => (server === a ? dataDirs.a : dataDirs.b);

async function sendCode(browser: Browser, via: NextServer, email: string): Promise<Response> {
  return browser.fetch(via, '/api/auth/email-code', { email });
}

async function signedInWithCode(email: string, sendVia: NextServer, verifyVia: NextServer): Promise<Browser> {
  const browser = new Browser();
  expect((await sendCode(browser, sendVia, email)).status).toBe(202);
  const verified = await browser.fetch(verifyVia, '/api/auth/email-code/verify', {
    email,
    code: latestCode(outboxOf(sendVia), email),
  });
  expect(verified.status).toBe(200);
  return browser;
}

async function registerOn(browser: Browser, begin: NextServer, finish: NextServer): Promise<SoftAuthenticator> {
  const authenticator = new SoftAuthenticator(origin);
  const started = await browser.fetch(begin, '/api/account/passkeys/options', {});
  expect(started.status).toBe(200);
  const { options } = (await started.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  const finished = await browser.fetch(finish, '/api/account/passkeys', {
    response: authenticator.register(options),
    name: 'Shared key',
  });
  expect(finished.status).toBe(201);
  return authenticator;
}

async function passkeySignIn(authenticator: SoftAuthenticator, begin: NextServer, finish: NextServer) {
  const browser = new Browser();
  const started = await browser.fetch(begin, '/api/passkeys/sign-in/options', {});
  expect(started.status).toBe(200);
  const { options } = (await started.json()) as { options: PublicKeyCredentialRequestOptionsJSON };
  const assertion = authenticator.authenticate(options);
  const response = await browser.fetch(finish, '/api/passkeys/sign-in', { response: assertion });
  return { browser, response, assertion };
}

describe('two instances sharing DynamoDB and Redis', () => {
  it('both are ready, on the DynamoDB store and Redis, on a real pool', async () => {
    for (const server of [a, b]) {
      // Polled as a load balancer does: a cold server's first probes may pass their 2 s on a busy machine.
      let health = await fetch(`${server.baseUrl}/api/health`);
      for (let i = 0; i < 10 && health.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        health = await fetch(`${server.baseUrl}/api/health`);
      }
      const body: unknown = await health.json();
      expect(health.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({
        mode: 'aws',
        store: { reachable: true, backend: 'dynamodb' },
        redis: { reachable: true },
      });
    }
  });

  it('a code sent via A verifies on B, and is used up on both', async () => {
    const email = 'code-a-to-b@example.com';
    const browser = await signedInWithCode(email, a, b);
    expect(await (await browser.fetch(b, '/api/auth/me')).json()).toMatchObject({ email, method: 'email_code' });
    expect((await browser.fetch(a, '/api/auth/me')).status).toBe(200);
    const again = await new Browser().fetch(a, '/api/auth/email-code/verify', {
      email,
      code: latestCode(dataDirs.a, email),
    });
    expect(again.status).toBe(401);
  });

  it('a passkey registered through A (ceremony begun on A, finished on B) signs in on B, and on A', async () => {
    const browser = await signedInWithCode('passkey-owner@example.com', b, a);
    const authenticator = await registerOn(browser, a, b);
    const onB = await passkeySignIn(authenticator, b, b);
    expect(onB.response.status).toBe(200);
    expect(await (await onB.browser.fetch(b, '/api/auth/me')).json()).toMatchObject({
      email: 'passkey-owner@example.com',
      method: 'passkey',
    });
    const acrossBoth = await passkeySignIn(authenticator, a, b);
    expect(acrossBoth.response.status).toBe(200);
    // That sign-in's challenge is used up on every instance: the same answer replayed to A is refused.
    const replay = await acrossBoth.browser.fetch(a, '/api/passkeys/sign-in', { response: acrossBoth.assertion });
    expect(replay.status).toBe(401);
  });

  it('a passkey deleted on B is refused by A at once, and gone from A’s list', async () => {
    const browser = await signedInWithCode('deleter@example.com', a, a);
    const authenticator = await registerOn(browser, a, a);
    expect((await passkeySignIn(authenticator, a, a)).response.status).toBe(200);
    const deleted = await browser.fetch(b, `/api/account/passkeys/${authenticator.id}`, undefined, 'DELETE');
    expect(deleted.status).toBe(200);
    expect((await passkeySignIn(authenticator, a, a)).response.status).toBe(401);
    const list = (await (await browser.fetch(a, '/api/account/passkeys')).json()) as { passkeys: unknown[] };
    expect(list.passkeys).toEqual([]);
  });

  it('the rate limits hold across both: 5 codes per email per 15 minutes, whichever instance sends', async () => {
    const email = 'limited@example.com';
    const browser = new Browser();
    const statuses: number[] = [];
    for (const via of [a, b, a, b, a, b, a]) statuses.push((await sendCode(browser, via, email)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
  });
});
