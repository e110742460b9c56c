import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureNativePasskeys } from '../../embedded-cognito/native-pool';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { arrivalsDuring, usersWithEmail } from '../support/http';
import { latestCognitoCode } from '../support/native-pool';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The Cognito-native layer (PASSKEY_LAYER=cognito-native) over HTTP against the production
 * server and the embedded Cognito, which verifies passkeys and email codes for real: sign-up
 * with Cognito's email code, a passkey added at Cognito, sign-in with it in 2 Cognito calls,
 * the account's list, rename and delete; and every hostile answer refused (another user's
 * passkey, a replayed or tampered challenge, the wrong email, oversized bodies), with nothing
 * half-made.
 */

let app: TestApp;
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const CHALLENGE_COOKIE = '__Host-native-challenge';

beforeAll(async () => {
  app = await startTestApp({ PASSKEY_LAYER: 'cognito-native' });
  await configureNativePasskeys(app.sdk, app.cognito, 'localhost');
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

async function requestCode(email: string, jar: CookieJar): Promise<void> {
  const sent = await jar.fetch(url('/api/auth/native/email-code'), jsonPost({ email }));
  expect(sent.status).toBe(202);
}

async function signUpWithCode(email: string, jar = new CookieJar()) {
  await requestCode(email, jar);
  const verified = await jar.fetch(
    url('/api/auth/native/email-code/verify'),
    jsonPost({ email, code: latestCognitoCode(app.dataDir, email) }),
  );
  expect(verified.status).toBe(200);
  return { jar, answer: (await verified.json()) as { user: { email: string; sub: string }; offerPasskey: boolean } };
}

async function addPasskey(jar: CookieJar, authenticator: SoftAuthenticator) {
  const started = await jar.fetch(url('/api/account/native-passkeys/options'), { method: 'POST' });
  expect(started.status).toBe(200);
  const { options } = (await started.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  const saved = await jar.fetch(
    url('/api/account/native-passkeys'),
    jsonPost({ response: authenticator.register(options) }),
  );
  expect(saved.status).toBe(201);
  return ((await saved.json()) as { passkey: { id: string; name: string; provider: string | null } }).passkey;
}

async function passkeyOptions(email: string, jar: CookieJar): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const started = await jar.fetch(url('/api/auth/native/passkey/options'), jsonPost({ email }));
  expect(started.status).toBe(200);
  return ((await started.json()) as { options: PublicKeyCredentialRequestOptionsJSON }).options;
}

const postAssertion = (jar: CookieJar, email: string, response: unknown) =>
  jar.fetch(url('/api/auth/native/passkey'), jsonPost({ email, response }));

async function listPasskeys(jar: CookieJar) {
  const listed = await jar.fetch(url('/api/account/native-passkeys'));
  expect(listed.status).toBe(200);
  return (
    (await listed.json()) as {
      passkeys: Array<{ id: string; name: string; provider: string | null; lastUsedAt: number | null }>;
    }
  ).passkeys;
}

async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { code?: string; message?: string } };
  expect(JSON.stringify(body)).not.toMatch(/Exception|stack|Session/);
  return body.error?.code ?? '';
}

describe('a new user, end to end', () => {
  const email = 'nia@example.com';
  let authenticator: SoftAuthenticator;

  it('signs up with Cognito’s email code: one user, made by the app, and the passkey offer', async () => {
    const { jar, answer } = await signUpWithCode(email);
    expect(answer.user.email).toBe(email);
    expect(answer.offerPasskey).toBe(true);
    expect(jar.get('__Host-session')).toBeTruthy();
    // The challenge cookie is spent with the sign-in.
    expect(jar.get(CHALLENGE_COOKIE)).toBeFalsy();
    const users = await usersWithEmail(app, email);
    expect(users).toHaveLength(1);
    const attributes = Object.fromEntries((users[0]!.Attributes ?? []).map((a) => [a.Name, a.Value]));
    expect(attributes['custom:createdByCorbado']).toBe('true');
    expect(attributes.email_verified).toBe('true');
    expect(users[0]!.UserStatus).toBe('CONFIRMED');
  });

  it('Cognito calls: a new user’s sign-up 5 (AdminGetUser, AdminCreateUser, AdminSetUserPassword, AdminInitiateAuth, AdminRespondToAuthChallenge) and the offer’s 2', async () => {
    const jar = new CookieJar();
    const newcomer = 'newcomer@example.com';
    const sending = await arrivalsDuring(app, () => requestCode(newcomer, jar));
    expect(sending).toEqual({ AdminGetUser: 1, AdminCreateUser: 1, AdminSetUserPassword: 1, AdminInitiateAuth: 1 });
    const verifying = await arrivalsDuring(app, async () => {
      const verified = await jar.fetch(
        url('/api/auth/native/email-code/verify'),
        jsonPost({ email: newcomer, code: latestCognitoCode(app.dataDir, newcomer) }),
      );
      expect(verified.status).toBe(200);
    });
    // The sign-in itself; then whether to offer a passkey: the user's list at Cognito, the "Don't ask again" flag.
    expect(verifying).toEqual({ AdminRespondToAuthChallenge: 1, ListWebAuthnCredentials: 1, AdminGetUser: 1 });
    const again = await arrivalsDuring(app, () => requestCode(newcomer, new CookieJar()));
    expect(again).toEqual({ AdminGetUser: 1, AdminInitiateAuth: 1 });
  });

  it('adds a passkey at Cognito, named after its provider from the AAGUID, then signs in with it in 2 Cognito calls', async () => {
    const { jar } = await signUpWithCode(email);
    authenticator = new SoftAuthenticator(app.baseUrl, { aaguid: GOOGLE_PASSWORD_MANAGER });
    const passkey = await addPasskey(jar, authenticator);
    expect(passkey).toMatchObject({
      id: authenticator.id,
      name: 'Google Password Manager',
      provider: 'Google Password Manager',
    });

    const fresh = new CookieJar();
    const options = await passkeyOptions(email, fresh);
    let answered: Response | undefined;
    const calls = await arrivalsDuring(app, async () => {
      answered = await postAssertion(fresh, email, authenticator.authenticate(options));
    });
    expect(answered!.status).toBe(200);
    expect(fresh.get('__Host-session')).toBeTruthy();
    expect(calls).toEqual({ AdminRespondToAuthChallenge: 1 });
    const me = await fresh.fetch(url('/api/auth/me'));
    expect(await me.json()).toMatchObject({ email, method: 'passkey' });
    const [listed] = await listPasskeys(fresh);
    expect(listed).toMatchObject({ id: authenticator.id, provider: 'Google Password Manager' });
    expect(listed!.lastUsedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('the options for a passkey cost 1 Cognito call (AdminInitiateAuth): 2 for the whole sign-in', async () => {
    const jar = new CookieJar();
    const calls = await arrivalsDuring(app, () => passkeyOptions(email, jar));
    expect(calls).toEqual({ AdminInitiateAuth: 1 });
  });

  it('renames (our name beside Cognito’s credential) and deletes at Cognito', async () => {
    const { jar } = await signUpWithCode(email);
    const id = authenticator.id;
    const renamed = await jar.fetch(url(`/api/account/native-passkeys/${id}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '  Work laptop\u0007 ' }),
    });
    expect(renamed.status).toBe(200);
    expect((await listPasskeys(jar)).map((p) => p.name)).toEqual(['Work laptop']);
    const deleted = await jar.fetch(url(`/api/account/native-passkeys/${id}`), { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await listPasskeys(jar)).toEqual([]);
    expect((await jar.fetch(url(`/api/account/native-passkeys/${id}`), { method: 'DELETE' })).status).toBe(404);
    // Gone at Cognito too: the deleted passkey signs nobody in.
    const fresh = new CookieJar();
    const refused = await fresh.fetch(url('/api/auth/native/passkey/options'), jsonPost({ email }));
    expect(refused.status).toBe(401);
    expect(await errorCode(refused)).toBe('passkey_rejected');
  });
});

describe('refusals', () => {
  const owner = 'ola@example.com';
  const other = 'omar@example.com';
  let ownerKey: SoftAuthenticator;
  let otherKey: SoftAuthenticator;

  beforeAll(async () => {
    ownerKey = new SoftAuthenticator(app.baseUrl);
    otherKey = new SoftAuthenticator(app.baseUrl);
    await addPasskey((await signUpWithCode(owner)).jar, ownerKey);
    await addPasskey((await signUpWithCode(other)).jar, otherKey);
  });

  it('another user’s passkey answering my challenge signs nobody in', async () => {
    const jar = new CookieJar();
    const options = await passkeyOptions(owner, jar);
    const answer = await postAssertion(jar, owner, otherKey.authenticate(options));
    expect(answer.status).toBe(401);
    expect(await errorCode(answer)).toBe('passkey_rejected');
    expect(jar.get('__Host-session')).toBeFalsy();
  });

  it('a challenge answered once cannot be answered again (a replayed cookie and assertion)', async () => {
    const jar = new CookieJar();
    const options = await passkeyOptions(owner, jar);
    const challengeCookie = jar.get(CHALLENGE_COOKIE)!;
    const assertion = ownerKey.authenticate(options);
    expect((await postAssertion(jar, owner, assertion)).status).toBe(200);
    const replay = new CookieJar();
    replay.set(CHALLENGE_COOKIE, challengeCookie);
    const again = await postAssertion(replay, owner, assertion);
    expect(again.status).toBe(401);
    expect(await errorCode(again)).toBe('passkey_rejected');
    expect(replay.get('__Host-session')).toBeFalsy();
  });

  it('a tampered challenge cookie, none at all, or one for another email is refused before Cognito is asked', async () => {
    const jar = new CookieJar();
    const options = await passkeyOptions(owner, jar);
    const assertion = ownerKey.authenticate(options);
    const sealed = jar.get(CHALLENGE_COOKIE)!;
    const cases: Array<[string, CookieJar, string]> = [];
    const tampered = new CookieJar();
    tampered.set(CHALLENGE_COOKIE, sealed.slice(0, 50) + (sealed[50] === 'a' ? 'b' : 'a') + sealed.slice(51));
    cases.push(['tampered', tampered, owner]);
    cases.push(['none', new CookieJar(), owner]);
    cases.push(['another email', jar, other]);
    for (const [name, cookies, email] of cases) {
      const calls = await arrivalsDuring(app, async () => {
        const answer = await postAssertion(cookies, email, assertion);
        expect(answer.status, name).toBe(401);
        expect(await errorCode(answer), name).toBe('passkey_rejected');
      });
      expect(calls, name).toEqual({});
    }
    // The right cookie still works: the refusals spent nothing.
    expect((await postAssertion(jar, owner, assertion)).status).toBe(200);
  });

  it('no passkey, and no account, get the same answer: continue with an email code', async () => {
    const none = await new CookieJar().fetch(
      url('/api/auth/native/passkey/options'),
      jsonPost({ email: 'nobody@example.com' }),
    );
    expect(none.status).toBe(401);
    const noneBody = await none.json();
    await signUpWithCode('nokey@example.com');
    const noKey = await new CookieJar().fetch(
      url('/api/auth/native/passkey/options'),
      jsonPost({ email: 'nokey@example.com' }),
    );
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual(noneBody);
    // Asking for passkey options makes no user.
    expect(await usersWithEmail(app, 'nobody@example.com')).toHaveLength(0);
  });

  it('a wrong code, a code without a challenge, and a malformed code sign nobody in', async () => {
    const jar = new CookieJar();
    await requestCode(owner, jar);
    const wrong = await jar.fetch(
      url('/api/auth/native/email-code/verify'),
      jsonPost({ email: owner, code: '00000000' }),
    );
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe('invalid_code');
    for (const code of ['12', 'abcdefgh', { $ne: '' }, null, '1'.repeat(500)]) {
      const answer = await jar.fetch(url('/api/auth/native/email-code/verify'), jsonPost({ email: owner, code }));
      expect(answer.status).toBe(401);
    }
    const stranger = await new CookieJar().fetch(
      url('/api/auth/native/email-code/verify'),
      jsonPost({ email: owner, code: latestCognitoCode(app.dataDir, owner) }),
    );
    expect(stranger.status).toBe(401);
    expect(jar.get('__Host-session')).toBeFalsy();
  });

  it('refuses bodies that are too large, not JSON, or without a valid email', async () => {
    const big = await new CookieJar().fetch(
      url('/api/auth/native/passkey'),
      jsonPost({ email: owner, response: { id: 'x', pad: 'x'.repeat(20_000) } }),
    );
    expect(big.status).toBe(413);
    const notJson = await fetch(url('/api/auth/native/email-code'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'email=x',
    });
    expect(notJson.status).toBe(415);
    const badEmail = await new CookieJar().fetch(
      url('/api/auth/native/email-code'),
      jsonPost({ email: 'not-an-email' }),
    );
    expect(badEmail.status).toBe(400);
    const registration = await (
      await signUpWithCode(owner)
    ).jar.fetch(url('/api/account/native-passkeys'), jsonPost({ response: { id: 'y', pad: 'y'.repeat(40_000) } }));
    expect(registration.status).toBe(413);
  });

  it('a registration Cognito did not ask for, or for another user’s challenge, adds no passkey', async () => {
    const { jar } = await signUpWithCode(owner);
    const before = (await listPasskeys(jar)).length;
    const stranger = new SoftAuthenticator(app.baseUrl);
    const forged = stranger.register({
      challenge: Buffer.from('never issued').toString('base64url'),
      rp: { id: 'localhost', name: 'x' },
      user: { id: 'dXNlcg', name: owner, displayName: owner },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    });
    const saved = await jar.fetch(url('/api/account/native-passkeys'), jsonPost({ response: forged }));
    expect(saved.status).toBe(401);
    expect(await errorCode(saved)).toBe('passkey_rejected');
    for (const response of [null, 'x', { id: '../../etc' }, {}]) {
      const answer = await jar.fetch(url('/api/account/native-passkeys'), jsonPost({ response }));
      expect(answer.status).toBe(401);
    }
    expect(await listPasskeys(jar)).toHaveLength(before);
  });

  it('nobody renames or deletes another user’s passkey', async () => {
    const { jar } = await signUpWithCode(other);
    const ownersId = ownerKey.id;
    const rename = await jar.fetch(url(`/api/account/native-passkeys/${ownersId}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mine now' }),
    });
    expect(rename.status).toBe(404);
    expect((await jar.fetch(url(`/api/account/native-passkeys/${ownersId}`), { method: 'DELETE' })).status).toBe(404);
    const ownerJar = (await signUpWithCode(owner)).jar;
    expect((await listPasskeys(ownerJar)).map((p) => p.id)).toContain(ownersId);
  });

  it('without a session the account routes answer 401, and the other layers’ routes 404', async () => {
    const jar = new CookieJar();
    expect((await jar.fetch(url('/api/account/native-passkeys'))).status).toBe(401);
    expect((await jar.fetch(url('/api/account/native-passkeys/options'), { method: 'POST' })).status).toBe(401);
    expect((await jar.fetch(url('/api/passkeys/sign-in/options'), { method: 'POST' })).status).toBe(404);
    expect((await jar.fetch(url('/api/auth/email-code'), jsonPost({ email: owner }))).status).toBe(404);
  });
});

describe('an existing password user', () => {
  it('signs in with the password, and with Cognito’s email code, into the same account', async () => {
    const email = 'pat@example.com';
    await addPasswordUser(app, email, 'Passw0rd-long-enough');
    const byPassword = new CookieJar();
    expect(
      (await byPassword.fetch(url('/api/auth/password'), jsonPost({ email, password: 'Passw0rd-long-enough' }))).status,
    ).toBe(200);
    const { answer } = await signUpWithCode(email);
    expect(answer.offerPasskey).toBe(true);
    expect(await usersWithEmail(app, email)).toHaveLength(1);
  });
});
