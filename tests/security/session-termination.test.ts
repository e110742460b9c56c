import {
  AdminDisableUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { adminClient, setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Sessions ended from the Cognito side (ASVS 5.0 V7.4.2, V7.4.5): the app checks the ID token
 * on every request without asking Cognito, so such a session ends at its next refresh, that is
 * within one ID token lifetime (60 minutes by default; a few seconds here).
 */

const ID_TOKEN_SECONDS = 3;
const PASSWORD = 'Session-horse-3';
const USERS = ['leaver@example.com', 'colleague@example.com', 'everywhere@example.com', 'elsewhere@example.com'];
let app: TestApp;
/** An admin's client; it retries, as an admin tool would (a connection the emulator closed while idle). */
let admin: CognitoIdentityProviderClient;

beforeAll(async () => {
  app = await startTestApp();
  for (const email of USERS) await addPasswordUser(app, email, PASSWORD);
  await setIdTokenLifetime(app, ID_TOKEN_SECONDS, 'seconds');
  admin = adminClient(app.cognito.endpoint, app.cognito.accessKey, 3);
});
afterAll(async () => {
  admin?.destroy();
  await app?.stop();
});

const url = (path: string) => `${app.baseUrl}${path}`;
const idTokensExpire = () => new Promise((resolve) => setTimeout(resolve, ID_TOKEN_SECONDS * 1000 + 200));

async function signIn(email: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await jar.fetch(url('/api/auth/password'), jsonPost({ email, password: PASSWORD }));
  expect(response.status).toBe(200);
  return jar;
}

describe('sessions ended at Cognito', () => {
  it('a user disabled by an admin is signed out at the first refresh after it and cannot sign in again; another user stays signed in', async () => {
    const [leaver, colleague] = USERS as [string, string];
    const [leaverJar, colleagueJar] = [await signIn(leaver), await signIn(colleague)];

    await admin.send(new AdminDisableUserCommand({ UserPoolId: app.cognito.userPoolId, Username: leaver }));
    await idTokensExpire();

    const me = await leaverJar.fetch(url('/api/auth/me'));
    expect(me.status).toBe(401);
    expect(leaverJar.names()).toEqual([]);
    const again = await new CookieJar().fetch(
      url('/api/auth/password'),
      jsonPost({ email: leaver, password: PASSWORD }),
    );
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({ error: { code: 'account_blocked', message: expect.any(String) } });
    expect(again.headers.getSetCookie()).toEqual([]);
    // The control: a session of the same age whose user was left alone refreshes.
    expect((await colleagueJar.fetch(url('/api/auth/me'))).status).toBe(200);
  });

  it('an admin global sign-out ends every session of the user (two browsers) at their next refresh, and only theirs', async () => {
    const [user, other] = USERS.slice(2) as [string, string];
    const [laptop, phone, otherJar] = [await signIn(user), await signIn(user), await signIn(other)];

    await admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: app.cognito.userPoolId, Username: user }));
    await idTokensExpire();

    expect((await laptop.fetch(url('/api/auth/me'))).status).toBe(401);
    expect((await phone.fetch(url('/account'))).status).toBe(307);
    expect((await otherJar.fetch(url('/api/auth/me'))).status).toBe(200);
    // Signing in again works: only the sessions were ended, not the account.
    expect((await (await signIn(user)).fetch(url('/api/auth/me'))).status).toBe(200);
  });
});
