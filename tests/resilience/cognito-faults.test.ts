import { createPublicKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COGNITO_CALL_BUDGET } from '../../lib/cognito/client';
import { startEmbeddedCognito, type EmbeddedCognito } from '../../embedded-cognito';
import type { CognitoFault } from '../../embedded-cognito/faults';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';
import {
  allUsers,
  arrivalsDuring,
  clientAddressFactory,
  expectErrorPage,
  expectServiceUnavailable,
  latestCodeFor,
  rawRequest,
  requestEmailCode,
  sessionCookiesCleared,
  sessionCookiesSet,
  usersWithEmail,
} from '../support/http';

/**
 * The embedded Cognito made to fail on purpose (embedded-cognito/faults.ts), in front of the
 * production server: throttling, internal errors, cut connections, slow answers, a provisioning
 * cut short between its two steps, and the emulator stopped outright. The user always gets a
 * short 503 with Retry-After, retries stay bounded, nothing half-made survives the next sign-in,
 * and the very next request after the fault is served normally.
 *
 * The app's budget per Cognito call (lib/cognito/client.ts): at most 3 attempts, each answered
 * within 3 s.
 */

let app: TestApp;
/** The emulator the app talks to; replaced when a test restarts it. */
let cognito: EmbeddedCognito;
const user = { email: 'steady@example.com', password: 'Correct-horse-3' };
const nextAddress = clientAddressFactory(21);
let seq = 0;
const freshEmail = (label: string) => `${label}-${++seq}@example.com`;

beforeAll(async () => {
  app = await startTestApp();
  cognito = app.cognito;
  await addPasswordUser(app, user.email, user.password);
});
afterEach(() => cognito.faults.clear());
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  if (cognito !== app?.cognito) await cognito?.close();
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;
const stack = () => ({ ...app, cognito });

/** Password sign-in from a client address of its own, so the per-address limit never interferes. */
function passwordSignIn(credentials = user): Promise<Response> {
  return rawRequest(url('/api/auth/password'), {
    from: nextAddress(),
    headers: { 'content-type': 'application/json', origin: app.baseUrl },
    body: JSON.stringify(credentials),
  });
}

async function signedInJar(): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await passwordSignIn();
  expect(response.status).toBe(200);
  jar.store(response);
  return jar;
}

/** Sends an email code (from a fresh address) and answers it: the passwordless sign-in and sign-up path. */
async function emailCodeSignIn(email: string, jar = new CookieJar()): Promise<Response> {
  const sent = await requestEmailCode(app.baseUrl, email, nextAddress());
  expect(sent.status).toBe(202);
  return jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code: latestCodeFor(app.dataDir, email) }));
}

/** The control after every fault: the very next sign-in works and the session answers. */
async function expectServedNormally(): Promise<void> {
  const jar = await signedInJar();
  expect((await jar.fetch(url('/api/auth/me'))).status).toBe(200);
}

const { attemptTimeoutMs, maxAttempts } = COGNITO_CALL_BUDGET;

const sdkAttempts = (operation: string, since: number) =>
  cognito.faults
    .arrivals(operation)
    .filter((arrival) => arrival.at >= since)
    .map((arrival) => arrival.sdkAttempt);

describe('Cognito throttling or failing', () => {
  it.each<[string, CognitoFault]>([
    ['ThrottlingException', { kind: 'throttle' }],
    ['InternalErrorException', { kind: 'internal-error' }],
    ['a reset connection', { kind: 'reset' }],
  ])(
    '%s on every attempt: exactly 3 attempts, then 503 with Retry-After and no session; the next request is served',
    async (_name, fault) => {
      const usersBefore = (await allUsers(app)).length;
      cognito.faults.inject({ operation: 'InitiateAuth', fault });
      const startedAt = Date.now();
      const response = await passwordSignIn();
      const elapsed = Date.now() - startedAt;

      await expectServiceUnavailable(response);
      expect(sdkAttempts('InitiateAuth', startedAt)).toEqual([
        'attempt=1; max=3',
        'attempt=2; max=3',
        'attempt=3; max=3',
      ]);
      // Backoff is bounded: full jitter of at most 1 s + 2 s after throttling, 50 + 100 ms otherwise.
      expect(elapsed).toBeLessThan(fault.kind === 'throttle' ? 3_000 + 1_500 : 1_500);
      expect(app.output()).not.toContain('unhandled_error');

      cognito.faults.clear();
      expect((await allUsers(app)).length).toBe(usersBefore);
      await expectServedNormally();
    },
  );

  it('throttling on two attempts is ridden out: the third attempt signs the user in and they never notice', async () => {
    cognito.faults.inject({ operation: 'InitiateAuth', fault: { kind: 'throttle' }, times: 2 });
    const startedAt = Date.now();
    const response = await passwordSignIn();
    expect(response.status).toBe(200);
    expect(sessionCookiesSet(response)).toHaveLength(3);
    expect(sdkAttempts('InitiateAuth', startedAt)).toEqual([
      'attempt=1; max=3',
      'attempt=2; max=3',
      'attempt=3; max=3',
    ]);
  });

  it('backs off between throttled attempts rather than hammering (gaps within the documented full-jitter bounds)', async () => {
    cognito.faults.inject({ operation: 'InitiateAuth', fault: { kind: 'throttle' } });
    const gaps: number[] = [];
    for (let round = 0; round < 3; round++) {
      const startedAt = Date.now();
      await expectServiceUnavailable(await passwordSignIn());
      const times = cognito.faults
        .arrivals('InitiateAuth')
        .filter((a) => a.at >= startedAt)
        .map((a) => a.at);
      expect(times).toHaveLength(3);
      gaps.push(times[1]! - times[0]!, times[2]! - times[1]!);
    }
    // Each gap is a uniform draw from [0, 1 s] then [0, 2 s]: all six below 20 ms has odds of about 1e-11.
    expect(Math.max(...gaps)).toBeGreaterThan(20);
    for (const [index, gap] of gaps.entries()) expect(gap).toBeLessThan((index % 2 === 0 ? 1_000 : 2_000) + 250);
  });
});

describe('Cognito slower than the request budget', () => {
  it(`answers 503 after ${maxAttempts} attempts of at most ${attemptTimeoutMs / 1000} s each, not when Cognito finally answers; the next request is served`, async () => {
    cognito.faults.inject({ operation: 'InitiateAuth', fault: { kind: 'slow', ms: attemptTimeoutMs + 1_000 } });
    const startedAt = Date.now();
    const response = await passwordSignIn();
    const elapsed = Date.now() - startedAt;
    await expectServiceUnavailable(response);
    expect(sdkAttempts('InitiateAuth', startedAt)).toHaveLength(maxAttempts);
    expect(elapsed).toBeGreaterThanOrEqual(maxAttempts * attemptTimeoutMs);
    expect(elapsed).toBeLessThan(maxAttempts * attemptTimeoutMs + 1_500);
    cognito.faults.clear();
    await expectServedNormally();
  });

  it('control: a Cognito answer slower than usual but within the budget still signs in, in one attempt', async () => {
    cognito.faults.inject({ operation: 'InitiateAuth', fault: { kind: 'slow', ms: 1_000 } });
    const startedAt = Date.now();
    const response = await passwordSignIn();
    expect(response.status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(sdkAttempts('InitiateAuth', startedAt)).toEqual(['attempt=1; max=3']);
  });

  it('a challenge answer Cognito applied but answered too late (so the retry finds the session used up) is a 503, not a 500; the next sign-in works', async () => {
    const email = freshEmail('late-answer');
    expect((await emailCodeSignIn(email)).status).toBe(200);

    cognito.faults.inject({
      operation: 'AdminRespondToAuthChallenge',
      fault: { kind: 'slow', ms: attemptTimeoutMs + 1_000 },
      times: 1,
    });
    const startedAt = Date.now();
    const response = await emailCodeSignIn(email);
    await expectServiceUnavailable(response);
    expect(sdkAttempts('AdminRespondToAuthChallenge', startedAt)).toEqual(['attempt=1; max=3', 'attempt=2; max=3']);

    const again = await emailCodeSignIn(email);
    expect(again.status).toBe(200);
    expect(await usersWithEmail(app, email)).toHaveLength(1);
  });
});

describe('provisioning cut short between its steps', () => {
  it('AdminCreateUser succeeds, AdminSetUserPassword fails: 503 and no session; the half-made user is repaired on the next sign-in, which works', async () => {
    const email = freshEmail('half-made');
    cognito.faults.inject({ operation: 'AdminSetUserPassword', fault: { kind: 'internal-error' } });
    const jar = new CookieJar();
    const failed = await emailCodeSignIn(email, jar);
    await expectServiceUnavailable(failed);
    expect(jar.names()).toEqual([]);
    const [halfMade, ...others] = await usersWithEmail(app, email);
    expect(others).toEqual([]);
    expect(halfMade!.UserStatus).toBe('FORCE_CHANGE_PASSWORD');

    cognito.faults.clear();
    let repaired!: Response;
    const made = await arrivalsDuring(stack(), async () => {
      repaired = await emailCodeSignIn(email, jar);
    });
    expect(repaired.status).toBe(200);
    expect(made.AdminSetUserPassword).toBe(1);
    const [confirmed, ...more] = await usersWithEmail(app, email);
    expect(more).toEqual([]);
    expect(confirmed!.Username).toBe(halfMade!.Username);
    expect(confirmed!.UserStatus).toBe('CONFIRMED');
    expect((await jar.fetch(url('/api/auth/me'))).status).toBe(200);
  });

  it('AdminCreateUser failing leaves no user at all, and the next sign-in creates exactly one', async () => {
    const email = freshEmail('not-created');
    cognito.faults.inject({ operation: 'AdminCreateUser', fault: { kind: 'throttle' } });
    await expectServiceUnavailable(await emailCodeSignIn(email));
    expect(await usersWithEmail(app, email)).toEqual([]);

    cognito.faults.clear();
    expect((await emailCodeSignIn(email)).status).toBe(200);
    expect(await usersWithEmail(app, email)).toHaveLength(1);
  });

  it('an email code answered while Cognito fails is kept: the same code signs in once Cognito is back, and only once', async () => {
    const email = freshEmail('kept-code');
    const sent = await requestEmailCode(app.baseUrl, email, nextAddress());
    expect(sent.status).toBe(202);
    const code = latestCodeFor(app.dataDir, email);
    const answer = (jar: CookieJar) => jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code }));

    cognito.faults.inject({ operation: 'AdminCreateUser', fault: { kind: 'internal-error' } });
    await expectServiceUnavailable(await answer(new CookieJar()));
    await expectServiceUnavailable(await answer(new CookieJar()));
    expect(await usersWithEmail(app, email)).toEqual([]);

    cognito.faults.clear();
    const jar = new CookieJar();
    expect((await answer(jar)).status).toBe(200);
    expect((await jar.fetch(url('/api/auth/me'))).status).toBe(200);
    expect(await usersWithEmail(app, email)).toHaveLength(1);
    // Used now: the same code again is refused.
    const reused = await answer(new CookieJar());
    expect(reused.status).toBe(401);
    expect((await reused.json()).error.code).toBe('invalid_code');
  });

  it('only the 2nd call failing (the Nth-call rule): the first sign-up of two is made whole, the other repaired next time', async () => {
    const [first, second] = [freshEmail('nth-a'), freshEmail('nth-b')];
    cognito.faults.inject({ operation: 'AdminSetUserPassword', fault: { kind: 'reset' }, skip: 1, times: 3 });
    expect((await emailCodeSignIn(first)).status).toBe(200);
    await expectServiceUnavailable(await emailCodeSignIn(second));
    expect((await usersWithEmail(app, first))[0]!.UserStatus).toBe('CONFIRMED');
    expect((await usersWithEmail(app, second))[0]!.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect((await emailCodeSignIn(second)).status).toBe(200);
    expect((await usersWithEmail(app, second))[0]!.UserStatus).toBe('CONFIRMED');
  });
});

describe('a session whose ID token expires while Cognito is failing', () => {
  const SHORT_ID_TOKEN_SECONDS = 3;

  it('is not signed out: 503 and the cookies are kept; once Cognito is back the same cookies refresh silently', async () => {
    await setIdTokenLifetime(app, SHORT_ID_TOKEN_SECONDS, 'seconds');
    try {
      const jar = await signedInJar();
      const before = jar.header();
      await new Promise((resolve) => setTimeout(resolve, SHORT_ID_TOKEN_SECONDS * 1000 + 200));

      cognito.faults.inject({ operation: 'InitiateAuth', fault: { kind: 'internal-error' } });
      const during = await jar.fetch(url('/api/auth/me'));
      expect(during.status).toBe(503);
      expect(sessionCookiesCleared(during)).toEqual([]);
      expect(jar.header()).toBe(before);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      const page = await jar.fetch(url('/account'));
      expect(page.status).toBe(503);
      await expectErrorPage(page);
      expect(jar.header()).toBe(before);

      cognito.faults.clear();
      const after = await jar.fetch(url('/api/auth/me'));
      expect(after.status).toBe(200);
      expect(jar.header()).not.toBe(before);
    } finally {
      await setIdTokenLifetime(app, 60, 'minutes');
    }
  });
});

describe('sign-out while Cognito is failing', () => {
  it('still signs the user out here: cookies cleared, and the answer says the tokens were not revoked', async () => {
    const jar = await signedInJar();
    cognito.faults.inject({ operation: 'RevokeToken', fault: { kind: 'internal-error' } });
    const response = await jar.fetch(url('/api/auth/logout'), { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signedOut: true, revoked: false });
    expect(jar.names()).toEqual([]);
    expect((await jar.fetch(url('/api/auth/me'))).status).toBe(401);
  });
});

describe('Cognito unreachable (the emulator stopped: its port refuses connections)', () => {
  it('answers sign-ins with a quick 503, reports itself degraded, keeps signed-in users signed in, and recovers when Cognito is back', async () => {
    const signedIn = await signedInJar();
    const { endpoint } = cognito;
    await cognito.close();

    const startedAt = Date.now();
    await expectServiceUnavailable(await passwordSignIn());
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    // The code is still sent (the outbox is local); answering it fails at Cognito.
    await expectServiceUnavailable(await emailCodeSignIn(freshEmail('outage')));
    const health = await fetch(url('/api/health'));
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', cognito: { reachable: false } });
    // The ID token is checked against the pool's cached keys: no Cognito call, so no outage.
    expect((await signedIn.fetch(url('/api/auth/me'))).status).toBe(200);

    cognito = await startEmbeddedCognito({
      dataDir: app.dataDir,
      challengePublicKey: createPublicKey(app.env.AUTH_CHALLENGE_PRIVATE_KEY!),
      port: Number(new URL(endpoint).port),
    });
    expect(cognito.endpoint).toBe(endpoint);
    await expectServedNormally();
    expect((await fetch(url('/api/health'))).status).toBe(200);
    expect((await signedIn.fetch(url('/api/auth/me'))).status).toBe(200);
  });
});
