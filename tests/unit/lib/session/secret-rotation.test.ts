import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '@/lib/config';
import type { CookieReader, CookieToSet } from '@/lib/session/cookies';

/**
 * The SESSION_SECRET fleet rotation of docs/DEPLOYMENT.md, with each app instance a fresh module
 * graph holding its own parsed configuration, as the servers of a rolling deployment would:
 * 1. deploy SESSION_SECRET=A, SESSION_SECRET_NEXT=B (B opens, nothing seals with it yet);
 * 2. deploy SESSION_SECRET=B, SESSION_SECRET_PREVIOUS=A;
 * 3. after the absolute session timeout, deploy SESSION_SECRET=B alone.
 * During each rolling step, instances of the step before and after serve the same browsers.
 */

const A = 'session-secret-A-0123456789abcdefghijklmnop';
const B = 'session-secret-B-0123456789abcdefghijklmnop';
const CHALLENGE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const BASE = {
  APP_ORIGIN: 'https://app.example.com',
  COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
  COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  DYNAMODB_TABLE: 'cognito-passkeys-unit',
  AUTH_CHALLENGE_PRIVATE_KEY: CHALLENGE_KEY,
};
const SECRET_VARIABLES = ['SESSION_SECRET', 'SESSION_SECRET_PREVIOUS', 'SESSION_SECRET_NEXT'];
const VARIABLES = [...Object.keys(BASE), ...SECRET_VARIABLES];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
afterAll(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

type Secrets = { SESSION_SECRET: string; SESSION_SECRET_PREVIOUS?: string; SESSION_SECRET_NEXT?: string };

/** An app instance: lib/session/cookies.ts over its own configuration, parsed now. */
async function instance(secrets: Secrets) {
  for (const name of SECRET_VARIABLES) delete process.env[name];
  Object.assign(process.env, BASE, secrets);
  vi.resetModules();
  (await import('@/lib/config')).getConfig();
  const cookies = await import('@/lib/session/cookies');
  return {
    seal: () => cookies.sealCookie('session', { sub: 'user-1' }, 3600),
    opens: async (cookie: CookieToSet) => {
      const reader: CookieReader = { get: (name) => (name === cookie.name ? { value: cookie.value } : undefined) };
      return (await cookies.openCookie(reader, cookie.name)) !== null;
    },
  };
}

describe('rotating SESSION_SECRET across a fleet', () => {
  it('keeps every cookie open on every instance through steps 1, 2 and 3', async () => {
    const before = await instance({ SESSION_SECRET: A });
    const step1 = await instance({ SESSION_SECRET: A, SESSION_SECRET_NEXT: B });
    const step2 = await instance({ SESSION_SECRET: B, SESSION_SECRET_PREVIOUS: A });
    const step3 = await instance({ SESSION_SECRET: B });

    // Rolling out step 1: both old and step-1 instances seal with A; all open A.
    for (const sealer of [before, step1]) {
      const cookie = await sealer.seal();
      expect([await before.opens(cookie), await step1.opens(cookie)]).toEqual([true, true]);
    }
    // Rolling out step 2: step-1 and step-2 instances side by side, each opens the other's cookies.
    for (const sealer of [step1, step2]) {
      const cookie = await sealer.seal();
      expect([await step1.opens(cookie), await step2.opens(cookie)]).toEqual([true, true]);
    }
    // Rolling out step 3: B's cookies open everywhere; A's only until step 3 drops A.
    const sealedWithB = await step2.seal();
    expect([await step2.opens(sealedWithB), await step3.opens(sealedWithB)]).toEqual([true, true]);
    expect(await step3.opens(await before.seal())).toBe(false);
  });

  it('without step 1, an old instance cannot open a cookie sealed with the new secret (the outage it avoids)', async () => {
    const before = await instance({ SESSION_SECRET: A });
    const switched = await instance({ SESSION_SECRET: B, SESSION_SECRET_PREVIOUS: A });
    expect(await before.opens(await switched.seal())).toBe(false);
  });

  it('never seals with SESSION_SECRET_NEXT', async () => {
    const step1 = await instance({ SESSION_SECRET: A, SESSION_SECRET_NEXT: B });
    const onlyB = await instance({ SESSION_SECRET: B });
    expect(await onlyB.opens(await step1.seal())).toBe(false);
    const { session } = parseConfig({ ...BASE, SESSION_SECRET: A, SESSION_SECRET_NEXT: B });
    expect(Object.values(session.sealWith)).toEqual([A]);
    expect(Object.values(session.openWith).sort()).toEqual([A, B]);
  });

  it.each([
    ['too short', 'short-secret', /SESSION_SECRET_NEXT must be one secret of at least 32 characters/],
    ['a list', `${B},${B}x`, /SESSION_SECRET_NEXT must be one secret/],
    ['SESSION_SECRET itself', A, /SESSION_SECRET_NEXT must differ/],
  ])('refuses a SESSION_SECRET_NEXT that is %s', (_what, next, message) => {
    const parse = () => parseConfig({ ...BASE, SESSION_SECRET: A, SESSION_SECRET_NEXT: next });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });

  it('refuses a SESSION_SECRET_NEXT that is a previous secret (a rotation backwards)', () => {
    expect(() =>
      parseConfig({ ...BASE, SESSION_SECRET: B, SESSION_SECRET_PREVIOUS: A, SESSION_SECRET_NEXT: A }),
    ).toThrow(/SESSION_SECRET_NEXT must differ/);
  });
});
