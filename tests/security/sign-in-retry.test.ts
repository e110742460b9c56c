import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { callApi } from '../../lib/client/api';
import { latestCode } from '../support/browser';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { startTestApp, applyAppEnvironment, type TestApp } from '../support/stack';

/**
 * A passkey sign-in whose proof was verified but whose Cognito sign-in Cognito's quota held back
 * (lib/sign-in/retry.ts): the verified proof is kept, sealed in a cookie of that browser,
 * for at most 60 s and one use, and the browser's automatic retry (lib/client/api.ts) signs in
 * with it: no second biometric prompt. Against the production server and the embedded
 * Cognito throttling on purpose (every attempt of AdminInitiateAuth answered ThrottlingException).
 */

let app: TestApp;
let authenticator: SoftAuthenticator;
const email = 'kept@example.com';
const KEEP_COOKIE = '__Host-sign-in-retry';
const SESSION_COOKIE = '__Host-session';

beforeAll(async () => {
  app = await startTestApp();
  const jar = new CookieJar();
  expect((await jar.fetch(url('/api/auth/email-code'), jsonPost({ email }))).status).toBe(202);
  expect(
    (await jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code: latestCode(app.dataDir, email) })))
      .status,
  ).toBe(200);
  const options = await jar.fetch(url('/api/account/passkeys/options'), { method: 'POST' });
  authenticator = new SoftAuthenticator(app.baseUrl);
  const { options: creation } = (await options.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  expect(
    (
      await jar.fetch(
        url('/api/account/passkeys'),
        jsonPost({ response: authenticator.register(creation), name: 'Soft key' }),
      )
    ).status,
  ).toBe(201);
});
afterEach(() => app.cognito.faults.clear());
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

function url(route: string): string {
  return `${app.baseUrl}${route}`;
}

/** A fresh ceremony in `jar`'s browser, answered once by the authenticator (the one biometric prompt). */
async function assertion(jar: CookieJar): Promise<AuthenticationResponseJSON> {
  const response = await jar.fetch(url('/api/passkeys/sign-in/options'), { method: 'POST' });
  expect(response.status).toBe(200);
  return authenticator.authenticate(
    ((await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON }).options,
  );
}

const throttleSignIn = () =>
  app.cognito.faults.inject({ operation: 'AdminInitiateAuth', fault: { kind: 'throttle' }, times: 3 });

const postAssertion = (jar: CookieJar, response: unknown) =>
  jar.fetch(url('/api/passkeys/sign-in'), jsonPost({ response }));

const setsSession = (response: Response) =>
  response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`) && !/max-age=0/i.test(line));

/** A passkey sign-in held back by throttling: a retryable 503 that keeps the proof in a cookie. */
async function throttledSignIn(jar: CookieJar): Promise<AuthenticationResponseJSON> {
  const response = await assertion(jar);
  throttleSignIn();
  const answer = await postAssertion(jar, response);
  app.cognito.faults.clear();
  expect(answer.status).toBe(503);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await answer.json()).toEqual({
    error: { code: 'upstream_unavailable', message: expect.any(String) },
    retry: true,
  });
  expect(setsSession(answer)).toBe(false);
  const keep = answer.headers.getSetCookie().find((line) => line.startsWith(`${KEEP_COOKIE}=`));
  expect(keep).toMatch(/HttpOnly/i);
  // At most 60 s from the verification, which came before the SDK's throttled attempts and their backoff.
  const maxAge = Number(/Max-Age=(\d+)/i.exec(keep!)?.[1]);
  expect(maxAge).toBeLessThanOrEqual(60);
  expect(maxAge).toBeGreaterThan(45);
  return response;
}

async function expectSignedIn(jar: CookieJar): Promise<void> {
  const me = await jar.fetch(url('/api/auth/me'));
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ email, method: 'passkey' });
}

async function expectRejected(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: { code: 'passkey_rejected', message: expect.any(String) } });
  expect(setsSession(response)).toBe(false);
}

describe('a throttled passkey sign-in', () => {
  it('completes on the client’s automatic retry after Retry-After, with no second ceremony', async () => {
    const jar = new CookieJar();
    const response = await assertion(jar);
    const realFetch = globalThis.fetch;
    const posts: number[] = [];
    // callApi as the page runs it, with this jar as the browser's cookies.
    vi.stubGlobal('fetch', async (target: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', jar.header());
      headers.set('origin', app.baseUrl);
      const answer = await realFetch(url(target), { ...init, headers, redirect: 'manual' });
      jar.store(answer);
      posts.push(answer.status);
      return answer;
    });
    throttleSignIn();
    let result;
    try {
      result = await callApi('/api/passkeys/sign-in', { body: { response } });
    } finally {
      vi.stubGlobal('fetch', realFetch);
    }
    expect(result).toMatchObject({ ok: true, data: { user: { email, method: 'passkey' } } });
    // The same request twice: held back, then signed in with the kept proof (its challenge was used by the first).
    expect(posts).toEqual([503, 200]);
    expect(jar.get(KEEP_COOKIE)).toBeUndefined();
    await expectSignedIn(jar);
  });

  it('is kept for one use only: the retry signs in, a replayed copy of the cookie is refused, even concurrently', async () => {
    const jar = new CookieJar();
    const response = await throttledSignIn(jar);
    const copies = Array.from({ length: 4 }, () => {
      const copy = new CookieJar();
      for (const name of jar.names()) copy.set(name, jar.get(name)!);
      return copy;
    });
    const answers = await Promise.all(copies.map((copy) => postAssertion(copy, response)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401]);
    for (const answer of answers.filter((answer) => answer.status === 401)) await expectRejected(answer);
    // And later, once more from the original browser.
    await expectRejected(await postAssertion(jar, response));
  });

  it('is bound to the browser that proved it: the same assertion from another browser is refused, the keeper still signs in', async () => {
    const jar = new CookieJar();
    const response = await throttledSignIn(jar);
    await expectRejected(await postAssertion(new CookieJar(), response));
    const other = new CookieJar();
    other.set('__Host-ceremony', jar.get('__Host-ceremony')!);
    await expectRejected(await postAssertion(other, response));
    const retried = await postAssertion(jar, response);
    expect(retried.status).toBe(200);
    await expectSignedIn(jar);
  });

  it('is not kept when the failure is no throttling (an outage): no keep cookie, no automatic retry', async () => {
    const jar = new CookieJar();
    const response = await assertion(jar);
    app.cognito.faults.inject({ operation: 'AdminInitiateAuth', fault: { kind: 'internal-error' }, times: 3 });
    const answer = await postAssertion(jar, response);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ error: { code: 'upstream_unavailable', message: expect.any(String) } });
    expect(jar.get(KEEP_COOKIE)).toBeUndefined();
  });
});

describe('the kept proof, in process (its clock moved, not waited for)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function modules() {
    applyAppEnvironment(app.env);
    const retry = await import('../../lib/sign-in/retry');
    const { AppError } = await import('../../lib/errors');
    return { ...retry, AppError };
  }

  /** Keeps a proof as a throttled sign-in does; returns the browser's cookies after it. */
  async function keptCookie(proof: import('../../lib/sign-in/retry').KeptProof, cookies = new Map<string, string>()) {
    const { signInKeepingProof, KeptForRetry, AppError } = await modules();
    const reader = { get: (name: string) => (cookies.has(name) ? { value: cookies.get(name)! } : undefined) };
    const kept = await signInKeepingProof(
      reader,
      proof.method,
      async () => proof,
      async () => {
        throw new AppError('upstream_unavailable', undefined, { retry: true, retryAfterSeconds: 1 });
      },
    ).catch((error: unknown) => error);
    expect(kept).toBeInstanceOf(KeptForRetry);
    const { cookie } = kept as InstanceType<typeof KeptForRetry>;
    cookies.set(cookie.name, cookie.value);
    return { cookies, reader, cookie };
  }

  const proof = { method: 'passkey', passkey: { id: 'credential-1', userSub: 'sub-1', email } } as const;

  it('expires 60 s after the proof was verified, however many retries were kept', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const { takeKeptProof } = await modules();
    const first = await keptCookie(proof);
    expect(first.cookie.options.maxAge).toBe(60);

    vi.setSystemTime(Date.now() + 45_000);
    // Throttled again on the retry: kept again, for what is left of the 60 s only.
    const second = await keptCookie(proof, first.cookies);
    expect(second.cookie.options.maxAge).toBeLessThanOrEqual(15);

    vi.setSystemTime(Date.now() + 16_000);
    expect(await takeKeptProof(second.reader, 'passkey')).toBeNull();
  });

  it('is taken within its 60 s, once, and only for the method that kept it', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const { takeKeptProof } = await modules();
    const { reader } = await keptCookie(proof);
    vi.setSystemTime(Date.now() + 59_000);
    expect(await takeKeptProof(reader, 'corbado')).toBeNull();
    const [one, two] = await Promise.all([takeKeptProof(reader, 'passkey'), takeKeptProof(reader, 'passkey')]);
    expect([one, two].filter(Boolean)).toEqual([{ proof, verifiedAt: expect.any(Number) }]);
    expect(await takeKeptProof(reader, 'passkey')).toBeNull();
  });

  it('refuses a tampered cookie', async () => {
    const { takeKeptProof } = await modules();
    const { cookie } = await keptCookie({ method: 'corbado', username: 'someone' });
    const tampered = cookie.value.slice(0, -4) + (cookie.value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await takeKeptProof({ get: () => ({ value: tampered }) }, 'corbado')).toBeNull();
  });
});
