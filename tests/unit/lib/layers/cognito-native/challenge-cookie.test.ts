import { describe, expect, it } from 'vitest';
import type { CookieReader, CookieToSet } from '@/lib/session/cookies';
import { withEnvironment } from '../../../../support/app-environment';

/**
 * Cognito's session between a USER_AUTH challenge and its answer, sealed in the browser: it
 * opens only for the email and the challenge it was issued for, before its deadline, and only
 * as the server sealed it.
 */

const SECRET_A = 'session-secret-A-0123456789abcdefghijklmnop';
const SECRET_B = 'session-secret-B-0123456789abcdefghijklmnop';

async function challengeCookie(env: Record<string, string> = {}) {
  withEnvironment({ SESSION_SECRET: SECRET_A, ...env });
  return import('@/lib/layers/cognito-native/challenge-cookie');
}

const browserWith = (cookie: CookieToSet): CookieReader => ({
  get: (name) => (name === cookie.name ? { value: cookie.value } : undefined),
});
const pending = {
  email: 'ada@example.com',
  username: '7c1e0f3a-0000-4000-8000-000000000001',
  challenge: 'WEB_AUTHN' as const,
  session: 'AYABeC-cognito-session-'.padEnd(1200, 'x'),
};

describe('the sealed challenge cookie', () => {
  it('opens for its email and challenge, httpOnly, __Host- on https, and keeps Cognito’s session out of sight', async () => {
    const { sealChallenge, openChallenge } = await challengeCookie();
    const cookie = await sealChallenge(pending);
    expect(cookie.name).toBe('__Host-native-challenge');
    expect(cookie.options).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
    expect(cookie.value).not.toContain('cognito-session');
    expect(cookie.value).not.toContain(pending.email);
    expect(cookie.value.length).toBeLessThan(4096);
    expect(await openChallenge(browserWith(cookie), pending.email, 'WEB_AUTHN')).toEqual(pending);
  });

  it('does not open for another email, another challenge, after its deadline, or without a cookie', async () => {
    const { sealChallenge, openChallenge, CHALLENGE_SECONDS } = await challengeCookie();
    const cookie = await sealChallenge(pending);
    const browser = browserWith(cookie);
    expect(await openChallenge(browser, 'eve@example.com', 'WEB_AUTHN')).toBeNull();
    expect(await openChallenge(browser, pending.email, 'EMAIL_OTP')).toBeNull();
    expect(
      await openChallenge(browser, pending.email, 'WEB_AUTHN', Date.now() + CHALLENGE_SECONDS * 1000 + 1),
    ).toBeNull();
    expect(await openChallenge({ get: () => undefined }, pending.email, 'WEB_AUTHN')).toBeNull();
  });

  it('a tampered seal, or one sealed with another secret, opens to nothing', async () => {
    const { sealChallenge, openChallenge } = await challengeCookie();
    const cookie = await sealChallenge(pending);
    const flipped = cookie.value.slice(0, 40) + (cookie.value[40] === 'A' ? 'B' : 'A') + cookie.value.slice(41);
    expect(await openChallenge(browserWith({ ...cookie, value: flipped }), pending.email, 'WEB_AUTHN')).toBeNull();
    const other = await challengeCookie({ SESSION_SECRET: SECRET_B });
    expect(await other.openChallenge(browserWith(cookie), pending.email, 'WEB_AUTHN')).toBeNull();
  });

  it('is cleared with the same name and no value', async () => {
    const { clearedChallenge } = await challengeCookie();
    expect(clearedChallenge()).toMatchObject({ name: '__Host-native-challenge', value: '', options: { maxAge: 0 } });
  });

  it('has a plain name where the browser refuses Secure cookies (http on a host other than localhost)', async () => {
    const { sealChallenge, clearedChallenge } = await challengeCookie({ APP_ORIGIN: 'http://app.internal:3000' });
    expect((await sealChallenge(pending)).name).toBe('native-challenge');
    expect(clearedChallenge().options.secure).toBe(false);
  });
});
