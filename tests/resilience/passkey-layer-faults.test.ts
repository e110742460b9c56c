import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CognitoFault } from '../../embedded-cognito/faults';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, applyAppEnvironment, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';
import {
  clientAddressFactory,
  expectServiceUnavailable,
  expectErrorPage,
  expectShortError,
  latestCodeFor,
  rawRequest,
  requestEmailCode,
  sessionCookiesCleared,
  sessionCookiesSet,
} from '../support/http';

/**
 * The session and passkey layer's own dependencies failing: the pool's JWKS (which every
 * protected request needs to check the ID token) and the passkey store (DynamoDB answering
 * every request with an Internal Server Error). Neither is the user's fault: a 503 with Retry-After, never a 500, and never
 * a sign-out.
 */

let app: TestApp;
const user = { email: 'keys@example.com', password: 'Correct-horse-4' };
const nextAddress = clientAddressFactory(22);

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, user.email, user.password);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

function passwordSignIn(): Promise<Response> {
  return rawRequest(url('/api/auth/password'), {
    from: nextAddress(),
    headers: { 'content-type': 'application/json', origin: app.baseUrl },
    body: JSON.stringify(user),
  });
}

/**
 * Session cookies made the way the server makes them (its own pipeline code, in this process,
 * with the server's secrets), so the server itself has not yet needed, and so not cached, the
 * pool's keys when the test first sends them.
 */
async function sessionMadeOutsideTheServer(): Promise<CookieJar> {
  applyAppEnvironment(app.env);
  const { signInWithPassword } = await import('../../lib/cognito/custom-auth');
  const { createSessionCookies } = await import('../../lib/session/session');
  const { cookies } = await createSessionCookies(await signInWithPassword(user.email, user.password), 'password');
  const jar = new CookieJar();
  for (const cookie of cookies) jar.set(cookie.name, cookie.value);
  return jar;
}

describe("the pool's JWKS cannot be fetched (the server has never fetched it)", () => {
  // These run in order: once the server has the keys it caches them for an hour.
  let jar: CookieJar;
  beforeAll(async () => {
    jar = await sessionMadeOutsideTheServer();
  });

  it.each<[string, CognitoFault]>([
    ['answers 500', { kind: 'internal-error' }],
    ['resets the connection', { kind: 'reset' }],
    ['answers after the 3 s key-fetch timeout', { kind: 'slow', ms: 4_000 }],
  ])('the JWKS %s: protected API routes and pages answer 503 and the user is not signed out', async (_name, fault) => {
    app.cognito.faults.inject({ operation: 'jwks', fault });
    try {
      const before = jar.header();
      for (const route of ['/api/auth/me', '/api/account/passkeys', '/account']) {
        const response = await jar.fetch(url(route));
        expect(response.status, route).toBe(503);
        expect(Number(response.headers.get('retry-after')), route).toBeGreaterThan(0);
        expect(sessionCookiesCleared(response), route).toEqual([]);
        if (route.startsWith('/api/')) await expectShortError(response, 'upstream_unavailable');
        else await expectErrorPage(response);
      }
      expect(jar.header()).toBe(before);
    } finally {
      app.cognito.faults.clear();
    }
  });

  it('a sign-in while the keys cannot be fetched is a 503 that sets no session (Cognito itself answered)', async () => {
    app.cognito.faults.inject({ operation: 'jwks', fault: { kind: 'reset' } });
    try {
      await expectServiceUnavailable(await passwordSignIn());
    } finally {
      app.cognito.faults.clear();
    }
  });

  it('without a session, a protected route is still a plain 401 during the outage (nothing to check)', async () => {
    app.cognito.faults.inject({ operation: 'jwks', fault: { kind: 'reset' } });
    try {
      expect((await fetch(url('/api/auth/me'))).status).toBe(401);
    } finally {
      app.cognito.faults.clear();
    }
  });

  it('once the JWKS answers again, the very same cookies are a valid session', async () => {
    const me = await jar.fetch(url('/api/auth/me'));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: user.email, method: 'password' });
    expect(app.cognito.faults.arrived('jwks')).toBeGreaterThan(0);
  });
});

describe('the passkey store fails (DynamoDB answers InternalServerError)', () => {
  let signedIn: CookieJar;

  beforeAll(async () => {
    signedIn = new CookieJar();
    const response = await passwordSignIn();
    expect(response.status).toBe(200);
    signedIn.store(response);
    expect((await new CookieJar().fetch(url('/api/passkeys/sign-in/options'), { method: 'POST' })).status).toBe(200);
  });

  const whileFailing = <T>(run: () => Promise<T>) => app.dynamo.whileFailing(run);

  /** A sign-in assertion naming a challenge, so the server must look it up in the store. */
  const assertionNaming = (challenge: string) => ({
    id: 'AAAA',
    rawId: 'AAAA',
    type: 'public-key',
    response: {
      clientDataJSON: Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: app.baseUrl })).toString(
        'base64url',
      ),
      authenticatorData: 'AAAA',
      signature: 'AAAA',
    },
    clientExtensionResults: {},
  });

  /** A browser that started a ceremony (its cookie), so the answer is looked up in the store. */
  const browserWithCeremony = () => {
    const jar = new CookieJar();
    jar.set('__Host-ceremony', 'b'.repeat(43));
    return jar;
  };

  const writes: Array<[string, () => Promise<Response>]> = [
    ['passkey sign-in options', () => new CookieJar().fetch(url('/api/passkeys/sign-in/options'), { method: 'POST' })],
    [
      'a passkey sign-in answer',
      () =>
        browserWithCeremony().fetch(
          url('/api/passkeys/sign-in'),
          jsonPost({ response: assertionNaming('c'.repeat(43)) }),
        ),
    ],
    [
      'sending an email code',
      () =>
        rawRequest(url('/api/auth/email-code'), {
          from: nextAddress(),
          headers: { 'content-type': 'application/json', origin: app.baseUrl },
          body: JSON.stringify({ email: 'locked-out@example.com' }),
        }),
    ],
    ['passkey registration options', () => signedIn.fetch(url('/api/account/passkeys/options'), { method: 'POST' })],
    [
      'renaming a passkey',
      () => signedIn.fetch(url('/api/account/passkeys/some-id'), { ...jsonPost({ name: 'x' }), method: 'PATCH' }),
    ],
    ['deleting a passkey', () => signedIn.fetch(url('/api/account/passkeys/some-id'), { method: 'DELETE' })],
  ];

  it.each(writes)("%s: 503 with Retry-After after the SDK's retries, never a 500", async (_name, send) => {
    const response = await whileFailing(send);
    await expectServiceUnavailable(response);
    expect(app.output()).not.toContain('unhandled_error');
  });

  it('control: with the store back the same requests are served (200, 202, 401 or 404 as usual)', async () => {
    const statuses = [];
    for (const [, send] of writes) statuses.push((await send()).status);
    expect(statuses).toEqual([200, 401, 202, 200, 404, 404]);
  });

  it('an email code answered while the store fails is not used up: it signs in once the store is back', async () => {
    const email = 'patient@example.com';
    const sent = await requestEmailCode(app.baseUrl, email, nextAddress());
    expect(sent.status).toBe(202);
    const code = latestCodeFor(app.dataDir, email);
    const jar = new CookieJar();
    const outputBefore = app.output().length;
    await expectServiceUnavailable(
      await whileFailing(() => jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code }))),
    );
    expect(jar.names()).toEqual([]);
    // The audit trail tells our outage from a wrong code.
    const failures = app
      .output()
      .slice(outputBefore)
      .split('\n')
      .filter((line) => line.includes('"sign_in_failed"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { method: string; reason: string });
    expect(failures).toEqual([expect.objectContaining({ method: 'email_code', reason: 'unavailable' })]);

    const verified = await jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code }));
    expect(verified.status).toBe(200);
    expect(sessionCookiesSet(verified)).toHaveLength(3);
  });

  it('the signed-in user stays signed in throughout', async () => {
    expect((await signedIn.fetch(url('/api/auth/me'))).status).toBe(200);
  });
});
