import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

let app: TestApp;
const email = 'pat@example.com';
const password = 'Correct-horse-9';

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, email, password);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

async function signIn(jar = new CookieJar()): Promise<CookieJar> {
  const response = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
  expect(response.status).toBe(200);
  return jar;
}

describe('password sign-in, session and sign-out over HTTP', () => {
  it('signs in, answers /api/auth/me, serves the protected page, and sets hardened cookies', async () => {
    const jar = new CookieJar();
    const response = await jar.fetch(
      `${app.baseUrl}/api/auth/password`,
      jsonPost({ email: ' Pat@Example.com ', password }),
    );
    expect(response.status).toBe(200);
    const setCookies = response.headers.getSetCookie();
    expect(setCookies).toHaveLength(3);
    for (const line of setCookies) {
      expect(line).toMatch(/^__Host-session(-access|-refresh)?=Fe26\.2\*/);
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/Secure/i);
      expect(line).toMatch(/SameSite=lax/i);
      expect(line).toMatch(/Path=\//);
      expect(line).not.toMatch(/Domain=/i);
      expect(Buffer.byteLength(line)).toBeLessThan(4096);
    }

    const me = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, method: 'password', sub: expect.any(String) });

    const page = await jar.fetch(`${app.baseUrl}/account`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(email);
  });

  it('gives a wrong password and an unknown email the very same answer', async () => {
    const jar = new CookieJar();
    const wrong = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password: 'Wrong-pass-1' }));
    const unknown = await jar.fetch(
      `${app.baseUrl}/api/auth/password`,
      jsonPost({ email: 'nobody@example.com', password: 'Wrong-pass-1' }),
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toBe(await unknown.text());
    expect(jar.names()).toEqual([]);
  });

  it('redirects a signed-out page request to /login?next= and answers the API with 401 JSON', async () => {
    const jar = new CookieJar();
    const page = await jar.fetch(`${app.baseUrl}/account?tab=keys`);
    expect(page.status).toBe(307);
    const location = new URL(page.headers.get('location')!, app.baseUrl);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('next')).toBe('/account?tab=keys');

    const api = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it('refreshes an expired ID token with the refresh token without the user noticing', async () => {
    await withShortLivedIdTokens(async () => {
      const jar = await signIn();
      const before = jar.get('__Host-session');
      await expireIdTokens();
      const refreshCallsBefore = app.cognito.calls.get('InitiateAuth') ?? 0;

      const page = await jar.fetch(`${app.baseUrl}/account`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(email);
      expect(app.cognito.calls.get('InitiateAuth')).toBe(refreshCallsBefore + 1);
      expect(jar.get('__Host-session')).not.toBe(before);
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
    });
  });

  it('signs out: revokes the refresh token at Cognito and clears the cookies; a copy of the old cookies cannot refresh', async () => {
    await withShortLivedIdTokens(async () => {
      const leaving = await signIn();
      const staying = await signIn();
      const copied = new CookieJar();
      for (const name of leaving.names()) copied.set(name, leaving.get(name)!);

      const logout = await leaving.fetch(`${app.baseUrl}/api/auth/logout`, { method: 'POST' });
      expect(logout.status).toBe(200);
      expect(await logout.json()).toEqual({ signedOut: true, revoked: true });
      expect(leaving.names()).toEqual([]);
      expect((await leaving.fetch(`${app.baseUrl}/account`)).status).toBe(307);

      await expireIdTokens();
      // The control: a session of the same age that did not sign out still refreshes.
      expect((await staying.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
      const replay = await copied.fetch(`${app.baseUrl}/api/auth/me`);
      expect(replay.status).toBe(401);
      expect(copied.names()).toEqual([]);
    });
  });

  it('re-authentication ends the session it replaces: a copy of the old cookies cannot refresh', async () => {
    await withShortLivedIdTokens(async () => {
      const jar = await signIn();
      const copied = new CookieJar();
      for (const name of jar.names()) copied.set(name, jar.get(name)!);
      await signIn(jar);

      await expireIdTokens();
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
      expect((await copied.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
    });
  });
});

const SHORT_ID_TOKEN_SECONDS = 3;

/** Runs `test` while the emulator issues ID tokens that expire after a few seconds. */
async function withShortLivedIdTokens(test: () => Promise<void>) {
  await setIdTokenLifetime(app, SHORT_ID_TOKEN_SECONDS, 'seconds');
  try {
    await test();
  } finally {
    await setIdTokenLifetime(app, 60, 'minutes');
  }
}

const expireIdTokens = () => new Promise((resolve) => setTimeout(resolve, SHORT_ID_TOKEN_SECONDS * 1000 + 100));
