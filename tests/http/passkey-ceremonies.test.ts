import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AdminDeleteUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { latestCode } from '../support/browser';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { newSigningKey, SoftAuthenticator, type Tampering } from '../support/soft-authenticator';
import { startTestApp, type TestApp } from '../support/stack';
import { itemKey, storeItems } from '../support/store-items';
import { addPasswordUser } from '../support/users';

/**
 * The self-hosted passkey ceremonies over HTTP against the production server, with a software
 * authenticator: a real sign-in works, and every forged, replayed, foreign or malformed answer is
 * refused with 401 passkey_rejected, no session and never a 500.
 *
 * Budget: the app allows 60 sign-in ceremony starts per client address per minute, and every
 * request here comes from loopback, so this file starts fewer than 50.
 */

let app: TestApp;
const SESSION_COOKIE = '__Host-session';
const ada = 'ada@example.com';
let adaKey: SoftAuthenticator;

beforeAll(async () => {
  app = await startTestApp();
  adaKey = (await registerPasskey(await signInWithEmailCode(ada))).authenticator;
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

async function signInWithEmailCode(email: string, jar = new CookieJar()): Promise<CookieJar> {
  expect((await jar.fetch(url('/api/auth/email-code'), jsonPost({ email }))).status).toBe(202);
  const verified = await jar.fetch(
    url('/api/auth/email-code/verify'),
    jsonPost({ email, code: latestCode(app.dataDir, email) }),
  );
  expect(verified.status).toBe(200);
  return jar;
}

async function signInWithPassword(email: string, password: string, jar = new CookieJar()): Promise<CookieJar> {
  expect((await jar.fetch(url('/api/auth/password'), jsonPost({ email, password }))).status).toBe(200);
  return jar;
}

async function registrationOptions(jar: CookieJar): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const response = await jar.fetch(url('/api/account/passkeys/options'), { method: 'POST' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { options: PublicKeyCredentialCreationOptionsJSON }).options;
}

function postRegistration(jar: CookieJar, response: unknown, name?: string): Promise<Response> {
  return jar.fetch(url('/api/account/passkeys'), jsonPost({ response, name }));
}

async function registerPasskey(jar: CookieJar, authenticator = new SoftAuthenticator(app.baseUrl)) {
  const answer = await postRegistration(jar, authenticator.register(await registrationOptions(jar)), 'Soft key');
  expect(answer.status).toBe(201);
  const { passkey } = (await answer.json()) as { passkey: { id: string } };
  expect(passkey.id).toBe(authenticator.id);
  return { authenticator, id: passkey.id };
}

async function signInOptions(jar: CookieJar): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const response = await jar.fetch(url('/api/passkeys/sign-in/options'), { method: 'POST' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON }).options;
}

function postAssertion(jar: CookieJar, response: unknown): Promise<Response> {
  return jar.fetch(url('/api/passkeys/sign-in'), jsonPost({ response }));
}

const setsSession = (response: Response) =>
  response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`) && !/max-age=0/i.test(line));

async function expectSignedIn(response: Response, jar: CookieJar, email: string) {
  expect(response.status).toBe(200);
  expect(setsSession(response)).toBe(true);
  const me = await jar.fetch(url('/api/auth/me'));
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ email, method: 'passkey' });
}

async function expectRejected(response: Response) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: { code: 'passkey_rejected', message: expect.any(String) } });
  expect(setsSession(response)).toBe(false);
}

/** The passkey as the app stored it, read from its table (null when there is none). */
const storedPasskey = (id: string) => storeItems(app.dynamo).passkey(id);

describe('passkey sign-in', () => {
  it('signs in the owner of a registered passkey and raises its stored counter (the control)', async () => {
    const jar = new CookieJar();
    const before = (await storedPasskey(adaKey.id))!.counter;
    const response = await postAssertion(jar, adaKey.authenticate(await signInOptions(jar)));
    await expectSignedIn(response, jar, ada);
    expect((await storedPasskey(adaKey.id))!.counter).toBe(adaKey.signCount);
    expect(adaKey.signCount).toBeGreaterThan(before);
  });

  const forgeries: Array<[string, (options: PublicKeyCredentialRequestOptionsJSON) => AuthenticationResponseJSON]> = [
    ['an assertion made for another origin', (o) => adaKey.authenticate(o, { origin: 'http://evil.example' })],
    ['an assertion whose rpIdHash is of another site', (o) => adaKey.authenticate(o, { rpId: 'evil.example' })],
    [
      'an assertion for a challenge the server never issued',
      (o) => adaKey.authenticate(o, { challenge: 'A'.repeat(43) }),
    ],
    [
      'a registration (webauthn.create) presented as an assertion',
      (o) => adaKey.authenticate(o, { type: 'webauthn.create' }),
    ],
    ['an assertion without user verification (UV flag off)', (o) => adaKey.authenticate(o, { userVerified: false })],
    ['an assertion signed by another key', (o) => adaKey.authenticate(o, { signWith: newSigningKey() })],
    ['an assertion by a credential the app does not know', (o) => new SoftAuthenticator(app.baseUrl).authenticate(o)],
  ];

  it.each(forgeries)('refuses %s: 401 passkey_rejected, no session, counter unchanged', async (_name, forge) => {
    const jar = new CookieJar();
    const counter = (await storedPasskey(adaKey.id))!.counter;
    await expectRejected(await postAssertion(jar, forge(await signInOptions(jar))));
    expect(jar.get(SESSION_COOKIE)).toBeUndefined();
    expect((await storedPasskey(adaKey.id))!.counter).toBe(counter);
  });

  it('refuses a challenge issued to another browser, which its own browser can still answer', async () => {
    const owner = new CookieJar();
    const assertion = adaKey.authenticate(await signInOptions(owner));
    const otherBrowser = new CookieJar();
    await signInOptions(otherBrowser);
    await expectRejected(await postAssertion(otherBrowser, assertion));
    await expectRejected(await postAssertion(new CookieJar(), assertion));
    expect(otherBrowser.get(SESSION_COOKIE)).toBeUndefined();

    await expectSignedIn(await postAssertion(owner, assertion), owner, ada);
  });

  it('refuses the same assertion replayed, from the same browser and from another', async () => {
    const jar = new CookieJar();
    const assertion = adaKey.authenticate(await signInOptions(jar));
    await expectSignedIn(await postAssertion(jar, assertion), jar, ada);
    await expectRejected(await postAssertion(jar, assertion));
    await expectRejected(await postAssertion(new CookieJar(), assertion));
  });

  it('refuses a challenge older than 5 minutes (its expiresAt moved into the past in the table)', async () => {
    const jar = new CookieJar();
    const options = await signInOptions(jar);
    // The server's clock cannot be moved from here, so the stored challenge is aged instead.
    const aged = await storeItems(app.dynamo).update(itemKey.challenge(options.challenge), {
      expiresAt: Date.now() - 1000,
    });
    expect(aged).toBe(true);
    await expectRejected(await postAssertion(jar, adaKey.authenticate(options)));
  });

  it('issues challenges that expire within 5 minutes and require user verification', async () => {
    const jar = new CookieJar();
    const started = Date.now();
    const options = await signInOptions(jar);
    expect(options.userVerification).toBe('required');
    expect(options.rpId).toBe('localhost');
    const expiresAt = (await storeItems(app.dynamo).get(itemKey.challenge(options.challenge)))!.expiresAt as number;
    expect(expiresAt - started).toBeLessThanOrEqual(5 * 60_000 + 1000);
    expect(expiresAt - started).toBeGreaterThan(4 * 60_000);
  });

  it.each([
    ['the same counter again', 0],
    ['a lower counter', -1],
  ])('refuses a cloned authenticator that reports %s', async (_name, offset) => {
    const first = new CookieJar();
    await expectSignedIn(await postAssertion(first, adaKey.authenticate(await signInOptions(first))), first, ada);
    const stored = (await storedPasskey(adaKey.id))!.counter;
    expect(stored).toBeGreaterThan(0);

    const clone = new CookieJar();
    await expectRejected(
      await postAssertion(clone, adaKey.authenticate(await signInOptions(clone), { counter: stored + offset })),
    );
    expect((await storedPasskey(adaKey.id))!.counter).toBe(stored);
  });

  it('lets only one of two simultaneous sign-ins reporting the same counter through (clone detection holds under a race)', async () => {
    const [one, two] = [new CookieJar(), new CookieJar()];
    const [optionsOne, optionsTwo] = [await signInOptions(one), await signInOptions(two)];
    const counter = adaKey.signCount + 1;
    const responses = await Promise.all([
      postAssertion(one, adaKey.authenticate(optionsOne, { counter })),
      postAssertion(two, adaKey.authenticate(optionsTwo, { counter })),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 401]);
    expect((await storedPasskey(adaKey.id))!.counter).toBe(counter);
  });

  it('binds ceremonies only to cookie values the server made: a value the client chose is replaced, and its challenge answers nowhere', async () => {
    const CEREMONY_COOKIE = '__Host-ceremony';
    const chosen = 'A'.repeat(43);
    const fixed = new CookieJar();
    fixed.set(CEREMONY_COOKIE, chosen);
    const options = await signInOptions(fixed);
    const issued = fixed.get(CEREMONY_COOKIE);
    expect(issued).toBeDefined();
    expect(issued).not.toBe(chosen);
    // A browser whose cookie is the chosen value (the fixer's own) cannot answer that challenge.
    const attacker = new CookieJar();
    attacker.set(CEREMONY_COOKIE, chosen);
    await expectRejected(await postAssertion(attacker, adaKey.authenticate(options)));
    // The server's own value is kept across ceremonies (two tabs of one browser), and works.
    const second = await signInOptions(fixed);
    expect(fixed.get(CEREMONY_COOKIE)).toBe(issued);
    await expectSignedIn(await postAssertion(fixed, adaKey.authenticate(second)), fixed, ada);
  });

  it('a passkey whose Cognito user was deleted is refused, removed, and provisions nothing', async () => {
    const email = 'deleted-later@example.com';
    const { authenticator, id } = await registerPasskey(await signInWithEmailCode(email));
    await app.sdk.send(new AdminDeleteUserCommand({ UserPoolId: app.cognito.userPoolId, Username: email }));
    const jar = new CookieJar();
    await expectRejected(await postAssertion(jar, authenticator.authenticate(await signInOptions(jar))));
    await expect(
      app.sdk.send(new AdminGetUserCommand({ UserPoolId: app.cognito.userPoolId, Username: email })),
    ).rejects.toMatchObject({
      name: 'UserNotFoundException',
    });
    expect(await storedPasskey(id)).toBeNull();
  });

  describe('malformed assertions (deterministic mutations of a valid one)', () => {
    it.each(mutations(24, 0x5eed))('refuses one that has %s, without a 500', async (_description, mutate) => {
      const jar = new CookieJar();
      const valid = adaKey.authenticate(await signInOptions(jar));
      const response = await postAssertion(jar, mutate(valid));
      await expectRejected(response);
      expect(jar.get(SESSION_COOKIE)).toBeUndefined();
    });
  });
});

describe('passkey registration', () => {
  const lin = 'lin@example.com';
  const grace = 'grace@example.com';
  let linJar: CookieJar;
  let graceJar: CookieJar;

  beforeAll(async () => {
    linJar = await signInWithEmailCode(lin);
    graceJar = await signInWithEmailCode(grace);
  });

  async function passkeyList(jar: CookieJar): Promise<Array<{ id: string; name: string }>> {
    const response = await jar.fetch(url('/api/account/passkeys'));
    expect(response.status).toBe(200);
    return ((await response.json()) as { passkeys: Array<{ id: string; name: string }> }).passkeys;
  }

  it('lists exactly the user’s own passkeys in excludeCredentials, so one authenticator is not registered twice', async () => {
    expect((await registrationOptions(linJar)).excludeCredentials).toEqual([]);
    const first = await registerPasskey(linJar);
    const second = await registerPasskey(linJar);
    const excluded = (await registrationOptions(linJar)).excludeCredentials?.map(({ id }) => id);
    expect(excluded?.sort()).toEqual([first.id, second.id].sort());
    expect((await registrationOptions(graceJar)).excludeCredentials).toEqual([]);
  });

  it('refuses the same credential id registered again, by its owner or by anyone else, and keeps the first', async () => {
    const { authenticator, id } = await registerPasskey(linJar);
    const sameIdOtherKey = () => new SoftAuthenticator(app.baseUrl, { credentialId: authenticator.credentialId });
    for (const jar of [linJar, graceJar]) {
      await expectRejected(
        await postRegistration(jar, sameIdOtherKey().register(await registrationOptions(jar)), 'Copy'),
      );
    }
    expect(await storedPasskey(id)).toMatchObject({ name: 'Soft key', owner: expect.any(String) });
    expect((await passkeyList(graceJar)).map((passkey) => passkey.id)).not.toContain(id);
    // The original key still signs in.
    const jar = new CookieJar();
    await expectSignedIn(await postAssertion(jar, authenticator.authenticate(await signInOptions(jar))), jar, lin);
  });

  it.each([
    [
      'a list with duplicates, unknown names and objects',
      ['usb', 'x'.repeat(500), { usb: true }, 'usb', 'internal'],
      ['usb', 'internal'],
    ],
    ['an object instead of a list', { 0: 'usb', length: 1 }, []],
  ])(
    'stores only the transports WebAuthn defines from %s, and offers those back in excludeCredentials',
    async (_name, sent, kept) => {
      const authenticator = new SoftAuthenticator(app.baseUrl);
      const registration = authenticator.register(await registrationOptions(graceJar));
      const answer = await postRegistration(graceJar, {
        ...registration,
        response: { ...registration.response, transports: sent },
      });
      expect(answer.status).toBe(201);
      const excluded = (await registrationOptions(graceJar)).excludeCredentials?.find(
        ({ id }) => id === authenticator.id,
      );
      expect(excluded?.transports).toEqual(kept);
    },
  );

  const badRegistrations: Array<[string, Tampering]> = [
    ['for another origin', { origin: 'http://evil.example' }],
    ['with the rpIdHash of another site', { rpId: 'evil.example' }],
    ['for a challenge the server never issued', { challenge: 'B'.repeat(43) }],
    ['without user verification', { userVerified: false }],
    ['presented as an assertion (webauthn.get)', { type: 'webauthn.get' }],
  ];

  it.each(badRegistrations)('refuses a new credential %s and stores nothing', async (_name, tampering) => {
    const before = await passkeyList(graceJar);
    const authenticator = new SoftAuthenticator(app.baseUrl);
    await expectRejected(
      await postRegistration(graceJar, authenticator.register(await registrationOptions(graceJar), tampering)),
    );
    expect(await passkeyList(graceJar)).toEqual(before);
    expect(await storedPasskey(authenticator.id)).toBeNull();
  });

  it('refuses a registration challenge issued to another user in the same browser', async () => {
    const jar = await signInWithEmailCode(grace);
    const graceOptions = await registrationOptions(jar);
    await signInWithEmailCode(lin, jar);
    const authenticator = new SoftAuthenticator(app.baseUrl);
    await expectRejected(await postRegistration(jar, authenticator.register(graceOptions)));
    expect(await storedPasskey(authenticator.id)).toBeNull();
  });

  it('answers 401 without a session, for the options and for the new credential', async () => {
    const jar = new CookieJar();
    const options = await jar.fetch(url('/api/account/passkeys/options'), { method: 'POST' });
    expect(options.status).toBe(401);
    const authenticator = new SoftAuthenticator(app.baseUrl);
    const finish = await postRegistration(jar, authenticator.register(await registrationOptions(linJar)));
    expect(finish.status).toBe(401);
    expect(await storedPasskey(authenticator.id)).toBeNull();
  });

  it('answers 404 to renaming or deleting another user’s passkey (or none), and changes nothing', async () => {
    const { id } = await registerPasskey(linJar);
    const rename = await graceJar.fetch(url(`/api/account/passkeys/${id}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Taken over' }),
    });
    expect(rename.status).toBe(404);
    expect((await graceJar.fetch(url(`/api/account/passkeys/${id}`), { method: 'DELETE' })).status).toBe(404);
    expect((await graceJar.fetch(url('/api/account/passkeys/no-such-passkey'), { method: 'DELETE' })).status).toBe(404);
    expect(await storedPasskey(id)).toMatchObject({ name: 'Soft key' });
    expect((await passkeyList(linJar)).find((passkey) => passkey.id === id)?.name).toBe('Soft key');
  });

  it('lets the owner rename and delete their passkey, after which it no longer signs in', async () => {
    const { authenticator, id } = await registerPasskey(linJar);
    const rename = await linJar.fetch(url(`/api/account/passkeys/${id}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Work laptop' }),
    });
    expect(rename.status).toBe(200);
    expect((await storedPasskey(id))?.name).toBe('Work laptop');
    expect((await linJar.fetch(url(`/api/account/passkeys/${id}`), { method: 'DELETE' })).status).toBe(200);
    expect(await storedPasskey(id)).toBeNull();

    const jar = new CookieJar();
    await expectRejected(await postAssertion(jar, authenticator.authenticate(await signInOptions(jar))));
  });

  describe('with a sign-in older than 5 minutes', () => {
    const email = 'old.timer@example.com';
    const password = 'Correct-horse-5';
    let passkeyId: string;
    let staleJar: CookieJar;

    beforeAll(async () => {
      await addPasswordUser(app, email, password);
      passkeyId = (await registerPasskey(await signInWithPassword(email, password))).id;
      staleJar = await signInTenMinutesAgo(email, password);
    });

    /**
     * The ID token's auth_time is signed by the emulator, so the cookie cannot be edited to make
     * it old. The emulator runs in this test process: with Date (and only Date) set 10 minutes
     * back during the sign-in, it issues an ID token with iat and auth_time 10 minutes ago, still
     * valid for its 1-hour lifetime; the app's server runs on the real clock. A password sign-in,
     * because a CUSTOM_AUTH one would have the emulator check the app's fresh signed answer
     * against the old clock and rightly refuse it.
     */
    async function signInTenMinutesAgo(user: string, secret: string): Promise<CookieJar> {
      vi.setSystemTime(Date.now() - 10 * 60_000);
      try {
        return await signInWithPassword(user, secret);
      } finally {
        vi.useRealTimers();
      }
    }

    it('is still a valid session (the control): /api/auth/me answers 200 and the passkey list is readable', async () => {
      expect((await staleJar.fetch(url('/api/auth/me'))).status).toBe(200);
      expect((await passkeyList(staleJar)).map((passkey) => passkey.id)).toEqual([passkeyId]);
    });

    it('answers 403 reauthentication_required to registration options and to a new credential', async () => {
      const options = await staleJar.fetch(url('/api/account/passkeys/options'), { method: 'POST' });
      expect(options.status).toBe(403);
      expect(await options.json()).toMatchObject({ error: { code: 'reauthentication_required' } });

      const fresh = await signInWithPassword(email, password);
      const authenticator = new SoftAuthenticator(app.baseUrl);
      const registration = authenticator.register(await registrationOptions(fresh));
      const finish = await postRegistration(staleJar, registration);
      expect(finish.status).toBe(403);
      expect(await finish.json()).toMatchObject({ error: { code: 'reauthentication_required' } });
      expect(await storedPasskey(authenticator.id)).toBeNull();
    });

    it('answers 403 reauthentication_required to deleting a passkey, which stays', async () => {
      const response = await staleJar.fetch(url(`/api/account/passkeys/${passkeyId}`), { method: 'DELETE' });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'reauthentication_required' } });
      expect(await storedPasskey(passkeyId)).not.toBeNull();
    });
  });
});

type Mutation = (valid: AuthenticationResponseJSON) => unknown;

/** A small deterministic PRNG (mulberry32): the same seed gives the same mutations on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every part of an assertion the server checks or that the signature covers. */
const CHECKED_PATHS = [
  ['id'],
  ['rawId'],
  ['type'],
  ['response'],
  ['response', 'clientDataJSON'],
  ['response', 'authenticatorData'],
  ['response', 'signature'],
] as const;
const BINARY_PATHS = CHECKED_PATHS.filter((p) => p.length === 2);

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  '=',
  '\u0000',
  'A'.repeat(3000),
  [],
  ['a'],
  {},
  { length: 1 },
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

function setAt(target: Record<string, unknown>, keys: readonly string[], value: unknown, remove = false): void {
  const parent = keys.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, target);
  if (remove) delete parent[keys.at(-1)!];
  else parent[keys.at(-1)!] = value;
}

function getAt(target: Record<string, unknown>, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], target);
}

/** `count` different mutations of a valid assertion, each breaking one checked part in one way. */
function mutations(count: number, seed: number): Array<[string, Mutation]> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const copy = (valid: AuthenticationResponseJSON) => structuredClone(valid) as unknown as Record<string, unknown>;
  const kinds: Array<() => [string, Mutation]> = [
    () => {
      const keys = pick(CHECKED_PATHS);
      return [
        `${keys.join('.')} removed`,
        (valid) => {
          const c = copy(valid);
          setAt(c, keys, undefined, true);
          return c;
        },
      ];
    },
    () => {
      const keys = pick(CHECKED_PATHS);
      const value = pick(ODD_VALUES);
      const shown = JSON.stringify(value)?.slice(0, 24) ?? String(value);
      return [
        `${keys.join('.')} replaced by ${shown}`,
        (valid) => {
          const c = copy(valid);
          setAt(c, keys, value);
          return c;
        },
      ];
    },
    () => {
      const keys = pick(BINARY_PATHS);
      const at = next();
      const bit = Math.floor(next() * 8);
      return [
        `bit ${bit} flipped at ${Math.round(at * 100)}% of ${keys.join('.')}`,
        (valid) => {
          const c = copy(valid);
          const bytes = Buffer.from(getAt(c, keys) as string, 'base64url');
          bytes[Math.floor(at * bytes.length)]! ^= 1 << bit;
          setAt(c, keys, bytes.toString('base64url'));
          return c;
        },
      ];
    },
    () => {
      const keys = pick(BINARY_PATHS);
      const keep = next();
      return [
        `${keys.join('.')} truncated to ${Math.round(keep * 100)}%`,
        (valid) => {
          const c = copy(valid);
          const bytes = Buffer.from(getAt(c, keys) as string, 'base64url');
          setAt(c, keys, bytes.subarray(0, Math.floor(keep * bytes.length)).toString('base64url'));
          return c;
        },
      ];
    },
    () => {
      const keys = pick(BINARY_PATHS);
      return [
        `${keys.join('.')} not base64url`,
        (valid) => {
          const c = copy(valid);
          setAt(c, keys, `${getAt(c, keys) as string}+/=!`);
          return c;
        },
      ];
    },
  ];
  const cases = new Map<string, Mutation>();
  for (let tries = 0; cases.size < count && tries < count * 50; tries += 1) cases.set(...pick(kinds)());
  return [...cases];
}
