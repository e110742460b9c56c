import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '@/embedded-cognito/dynamodb';
import type { CookieReader, CookieToSet } from '@/lib/session/cookies';
import { withEnvironment } from '../../../../support/app-environment';

/**
 * WebAuthn ceremony challenges over the DynamoDB store on the embedded default's dynalite, its
 * files in a temporary DATA_DIR: single use, five minutes, and bound to the browser by a cookie
 * only the server can make.
 */

const DATA_DIR = mkdtempSync(path.join(tmpdir(), 'ceremony-'));
let dynamo: EmbeddedDynamoDb;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamoDb({ dataDir: DATA_DIR });
});
afterAll(async () => {
  await dynamo?.close();
  rmSync(DATA_DIR, { recursive: true, force: true });
});
afterEach(() => vi.useRealTimers());

const SECRET_A = 'session-secret-A-0123456789abcdefghijklmnop';
const SECRET_B = 'session-secret-B-0123456789abcdefghijklmnop';

async function ceremony(env: Record<string, string> = {}) {
  withEnvironment({ DATA_DIR, ...dynamo.variables, ...env });
  return import('@/lib/layers/self-hosted/ceremony');
}

const noCookies: CookieReader = { get: () => undefined };
const browserWith = (cookie: CookieToSet): CookieReader => ({
  get: (name) => (name === cookie.name ? { value: cookie.value } : undefined),
});
let counter = 0;
/** A fresh challenge, as @simplewebauthn makes them (base64url). */
const challenge = () => Buffer.from(`challenge-${(counter += 1)}-${Math.random()}`).toString('base64url');

describe('rememberChallenge', () => {
  it.each([
    ['https://app.example.com', '__Host-ceremony', true],
    ['http://localhost:3000', '__Host-ceremony', true],
    ['http://192.168.1.20:3000', 'ceremony', false],
  ])('on %s, sets an httpOnly cookie %s (Secure: %s) for five minutes', async (origin, name, secure) => {
    const { rememberChallenge, CEREMONY_SECONDS } = await ceremony({ APP_ORIGIN: origin });
    const cookie = await rememberChallenge(noCookies, 'authenticate', challenge(), null);
    expect(CEREMONY_SECONDS).toBe(300);
    expect(cookie).toEqual({
      name,
      value: expect.stringMatching(/^[\w-]{43}\.[\w-]{43}$/),
      options: { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 300 },
    });
  });

  it('gives each new browser its own binding', async () => {
    const { rememberChallenge } = await ceremony();
    const first = await rememberChallenge(noCookies, 'authenticate', challenge(), null);
    const second = await rememberChallenge(noCookies, 'authenticate', challenge(), null);
    expect(first.value).not.toBe(second.value);
  });

  it('keeps the binding a browser already has (two tabs, autofill beside a button)', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    const first = challenge();
    const second = challenge();
    const cookie = await rememberChallenge(noCookies, 'authenticate', first, null);
    const again = await rememberChallenge(browserWith(cookie), 'authenticate', second, null);
    expect(again.value).toBe(cookie.value);
    expect(await takeChallenge(browserWith(cookie), 'authenticate', first)).toEqual({
      challenge: first,
      userSub: null,
    });
    expect(await takeChallenge(browserWith(cookie), 'authenticate', second)).toEqual({
      challenge: second,
      userSub: null,
    });
  });

  it.each([
    ['a well-formed value with a forged MAC', `${'a'.repeat(43)}.${'b'.repeat(43)}`],
    ['a real nonce with the MAC of another nonce', 'REAL_NONCE_OTHER_MAC'],
    ['a nonce alone', 'a'.repeat(43)],
    ['three parts', `${'a'.repeat(43)}.${'b'.repeat(43)}.c`],
    ['a MAC one character short', 'REAL_SHORT'],
    ['an empty value', ''],
  ])('never adopts a binding the client chose (%s)', async (_what, planted) => {
    const { rememberChallenge } = await ceremony();
    const real = (await rememberChallenge(noCookies, 'authenticate', challenge(), null)).value;
    const other = (await rememberChallenge(noCookies, 'authenticate', challenge(), null)).value;
    const value =
      planted === 'REAL_NONCE_OTHER_MAC'
        ? `${real.split('.')[0]}.${other.split('.')[1]}`
        : planted === 'REAL_SHORT'
          ? real.slice(0, -1)
          : planted;
    const cookie = await rememberChallenge(
      browserWith({ name: '__Host-ceremony', value, options: {} as CookieToSet['options'] }),
      'authenticate',
      challenge(),
      null,
    );
    expect(cookie.value).not.toBe(value);
    expect(cookie.value).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
  });

  it('keeps a binding made with SESSION_SECRET_PREVIOUS during a rotation, and not after it', async () => {
    const before = await ceremony({ SESSION_SECRET: SECRET_A });
    const cookie = await before.rememberChallenge(noCookies, 'register', challenge(), 'sub-1');
    const during = await ceremony({ SESSION_SECRET: SECRET_B, SESSION_SECRET_PREVIOUS: SECRET_A });
    expect((await during.rememberChallenge(browserWith(cookie), 'register', challenge(), 'sub-1')).value).toBe(
      cookie.value,
    );
    const after = await ceremony({ SESSION_SECRET: SECRET_B });
    expect((await after.rememberChallenge(browserWith(cookie), 'register', challenge(), 'sub-1')).value).not.toBe(
      cookie.value,
    );
  });
});

describe('takeChallenge', () => {
  it('gives the challenge and its user once, then never again', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    const value = challenge();
    const cookie = await rememberChallenge(noCookies, 'register', value, 'sub-1');
    expect(await takeChallenge(browserWith(cookie), 'register', value)).toEqual({ challenge: value, userSub: 'sub-1' });
    expect(await takeChallenge(browserWith(cookie), 'register', value)).toBeNull();
  });

  it('refuses the challenge to another browser, and leaves it to the one it was given to', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    const value = challenge();
    const victim = await rememberChallenge(noCookies, 'authenticate', value, null);
    const attacker = await rememberChallenge(noCookies, 'authenticate', challenge(), null);
    expect(await takeChallenge(noCookies, 'authenticate', value)).toBeNull();
    expect(await takeChallenge(browserWith(attacker), 'authenticate', value)).toBeNull();
    expect(await takeChallenge(browserWith(victim), 'authenticate', value)).toEqual({
      challenge: value,
      userSub: null,
    });
  });

  it('refuses a challenge given for another purpose', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    const value = challenge();
    const cookie = await rememberChallenge(noCookies, 'authenticate', value, null);
    expect(await takeChallenge(browserWith(cookie), 'register', value)).toBeNull();
  });

  it('refuses a challenge the browser was not given, and an empty one', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    const cookie = await rememberChallenge(noCookies, 'authenticate', challenge(), null);
    expect(await takeChallenge(browserWith(cookie), 'authenticate', challenge())).toBeNull();
    expect(await takeChallenge(browserWith(cookie), 'authenticate', '')).toBeNull();
  });

  it('accepts a challenge until five minutes have passed, and not after', async () => {
    const { rememberChallenge, takeChallenge } = await ceremony();
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const fresh = challenge();
    const stale = challenge();
    const cookie = await rememberChallenge(noCookies, 'authenticate', fresh, null);
    await rememberChallenge(browserWith(cookie), 'authenticate', stale, null);
    vi.setSystemTime(Date.now() + 299_000);
    expect(await takeChallenge(browserWith(cookie), 'authenticate', fresh)).toEqual({
      challenge: fresh,
      userSub: null,
    });
    vi.setSystemTime(Date.now() + 2_000);
    expect(await takeChallenge(browserWith(cookie), 'authenticate', stale)).toBeNull();
  });
});
