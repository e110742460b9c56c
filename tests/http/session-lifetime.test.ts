import { randomBytes } from 'node:crypto';
import { sealData, unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Session lifetime rules, checked by re-sealing a real session's cookie with the server's own
 * secret (as only the server could): what changes is only the clock the rule reads.
 */
const PREVIOUS_SECRET = randomBytes(32).toString('base64url');
const IDLE_SECONDS = 600;
const ABSOLUTE_SECONDS = 3600;
/** The idle clock's write-back interval under this timeout: a tenth of it, at most a minute (lib/session/idle-clock.ts). */
const WRITE_BACK_SECONDS = 60;
let app: TestApp;
const email = 'lee@example.com';
const password = 'Correct-horse-5';

beforeAll(async () => {
  app = await startTestApp({
    SESSION_SECRET_PREVIOUS: PREVIOUS_SECRET,
    SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: String(ABSOLUTE_SECONDS),
  });
  await addPasswordUser(app, email, password);
});
afterAll(() => app?.stop());

interface IdCookie {
  v: 1;
  sid: string;
  idToken: string;
  method: string;
  createdAt: number;
  lastSeenAt: number;
}

async function signIn(): Promise<CookieJar> {
  const jar = new CookieJar();
  expect((await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }))).status).toBe(200);
  return jar;
}

/** The iron-session password map the server seals with, for a given SESSION_SECRET. */
const passwordsFor = (secret: string) => parseConfig({ ...app.env, SESSION_SECRET: secret }).session.sealWith;
const current = () => ({ password: passwordsFor(app.env.SESSION_SECRET!) });
const now = () => Math.floor(Date.now() / 1000);

async function rewriteIdCookie(
  jar: CookieJar,
  change: (data: IdCookie) => IdCookie,
  sealWith = app.env.SESSION_SECRET!,
) {
  const data = await unsealData<IdCookie>(jar.get('__Host-session')!, { ...current(), ttl: ABSOLUTE_SECONDS });
  jar.set('__Host-session', await sealData(change(data), { password: passwordsFor(sealWith), ttl: ABSOLUTE_SECONDS }));
}

describe('session lifetime', () => {
  it('the control: a re-sealed but unchanged cookie still opens', async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => data);
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
  });

  it("signs out after the idle timeout: at the latest a minute after it, the idle clock's write-back interval", async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => ({ ...data, lastSeenAt: now() - IDLE_SECONDS - WRITE_BACK_SECONDS }));
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
    expect(jar.names()).toEqual([]);
  });

  it('signs out after the absolute lifetime, however active the user is', async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => ({ ...data, createdAt: now() - ABSOLUTE_SECONDS - 1, lastSeenAt: now() }));
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
  });

  it('an active user moves the idle clock forward (at most once a minute under a 10-minute timeout)', async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => ({ ...data, lastSeenAt: now() - IDLE_SECONDS + 30 }));
    const response = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().map((line) => line.split('=')[0])).toEqual(['__Host-session']);
    const data = await unsealData<IdCookie>(jar.get('__Host-session')!, { ...current(), ttl: ABSOLUTE_SECONDS });
    expect(data.lastSeenAt).toBeGreaterThanOrEqual(now() - 2);

    const again = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  /** Moves the whole session `seconds` into the past, as if that much time had gone by since. */
  const letTimePass = (jar: CookieJar, seconds: number) =>
    rewriteIdCookie(jar, (data) => ({
      ...data,
      createdAt: data.createdAt - seconds,
      lastSeenAt: data.lastSeenAt - seconds,
    }));

  it.each([1, 30, 59, 60, 61, 300])(
    'whoever comes back within the idle timeout stays signed in: a request %i s after sign-in, then one after a gap of the timeout less a second',
    async (firstGap) => {
      const jar = await signIn();
      await letTimePass(jar, firstGap);
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
      await letTimePass(jar, IDLE_SECONDS - 1);
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
      await letTimePass(jar, IDLE_SECONDS - 1);
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
      // A gap longer than the timeout and the write-back interval signs out.
      await letTimePass(jar, IDLE_SECONDS + WRITE_BACK_SECONDS);
      expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
    },
  );

  it('SESSION_SECRET rotation: a cookie sealed with the previous secret still opens', async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => data, PREVIOUS_SECRET);
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
  });

  it('a cookie sealed with a secret the server never had does not open', async () => {
    const jar = await signIn();
    await rewriteIdCookie(jar, (data) => data, randomBytes(32).toString('base64url'));
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
  });

  it('an ID token from another pool or client inside a validly sealed cookie is refused', async () => {
    const jar = await signIn();
    const [header, , signature] = (
      await unsealData<IdCookie>(jar.get('__Host-session')!, { ...current(), ttl: ABSOLUTE_SECONDS })
    ).idToken.split('.');
    const forgedClaims = Buffer.from(
      JSON.stringify({
        sub: 'someone-else',
        email: 'victim@example.com',
        token_use: 'id',
        exp: now() + 600,
        iat: now(),
      }),
    ).toString('base64url');
    await rewriteIdCookie(jar, (data) => ({ ...data, idToken: `${header}.${forgedClaims}.${signature}` }));
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
  });
});
