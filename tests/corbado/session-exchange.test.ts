import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../support/cookie-jar';
import {
  auditLines,
  cognitoCallsDuring,
  poolSnapshot,
  PROJECT_ID,
  startCorbadoTestStack,
  type CorbadoTestStack,
} from '../support/corbado-stack';

/**
 * POST /api/auth/session in Corbado mode, over HTTP against the production server. The real
 * @corbado/node-sdk validates every token; only Corbado's cloud is replaced, by a local JWKS
 * server (tokens signed by a test key) and a local Backend API.
 */

let stack: CorbadoTestStack;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  stack = await startCorbadoTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function exchange(token: string | null, via: 'bearer' | 'cookie' = 'bearer', jar = new CookieJar()) {
  if (token !== null && via === 'cookie') jar.set('cbo_session_token', token);
  const headers: Record<string, string> =
    token !== null && via === 'bearer' ? { authorization: `Bearer ${token}` } : {};
  return { jar, response: jar.fetch(`${stack.app.baseUrl}/api/auth/session`, { method: 'POST', headers }) };
}

function attributesOf(user: { UserAttributes?: Array<{ Name?: string; Value?: string }> }) {
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
}

describe('a valid Corbado session token', () => {
  it('signs a new user in, provisioning exactly one confirmed Cognito user with custom:createdByCorbado=true', async () => {
    const email = 'new.passkey@example.com';
    const token = await stack.frontend.sessionToken({
      sub: 'usr-2000000000000000001',
      email: 'New.Passkey@Example.com',
    });
    const before = JSON.parse(await poolSnapshot(stack.app)) as unknown[];
    let result!: ReturnType<typeof exchange>;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      result = exchange(token);
      expect((await result.response).status).toBe(200);
    });
    const response = await result.response;
    expect(await response.json()).toEqual({ user: { email, sub: expect.any(String), method: 'corbado' } });
    expect(calls).toEqual({
      AdminInitiateAuth: 2,
      AdminCreateUser: 1,
      AdminSetUserPassword: 1,
      AdminRespondToAuthChallenge: 1,
    });

    const after = JSON.parse(await poolSnapshot(stack.app)) as Array<{
      attributes: Record<string, string>;
      status: string;
    }>;
    expect(after).toHaveLength(before.length + 1);
    const created = after.filter((user) => user.attributes.email === email);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      status: 'CONFIRMED',
      attributes: { email, email_verified: 'true', 'custom:createdByCorbado': 'true' },
    });

    const me = await result.jar.fetch(`${stack.app.baseUrl}/api/auth/me`);
    expect(await me.json()).toMatchObject({ email, method: 'corbado' });
    expect(stack.frontend.lastProjectIdHeader()).toBe(PROJECT_ID);
    expect(auditLines(stack.app, 'sign_in').some((line) => line.method === 'corbado')).toBe(true);
  });

  it("is also taken from Corbado's cbo_session_token cookie", async () => {
    const token = await stack.frontend.sessionToken({
      sub: 'usr-2000000000000000002',
      email: 'cookie.user@example.com',
    });
    const { jar, response } = exchange(token, 'cookie');
    expect((await response).status).toBe(200);
    const me = await jar.fetch(`${stack.app.baseUrl}/api/auth/me`);
    expect(await me.json()).toMatchObject({ email: 'cookie.user@example.com', method: 'corbado' });
  });

  it('signs a returning user in with exactly 2 Cognito calls, no JWKS download and no Backend API call', async () => {
    const token = await stack.frontend.sessionToken({ sub: 'usr-2000000000000000003', email: 'returning@example.com' });
    expect((await exchange(token).response).status).toBe(200);
    const jwksBefore = stack.frontend.jwksRequests();
    const backendBefore = stack.backend.requests.length;

    const again = await stack.frontend.sessionToken({ sub: 'usr-2000000000000000003', email: 'returning@example.com' });
    const snapshot = await poolSnapshot(stack.app);
    let status = 0;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      status = (await exchange(again).response).status;
    });
    expect(status).toBe(200);
    expect(calls).toEqual({ AdminInitiateAuth: 1, AdminRespondToAuthChallenge: 1 });
    expect(stack.frontend.jwksRequests()).toBe(jwksBefore);
    expect(stack.backend.requests.length).toBe(backendBefore);
    expect(await poolSnapshot(stack.app)).toBe(snapshot);
  });

  it('provisions one user for a new email even when the same token is exchanged 10 times at once', async () => {
    const email = 'burst@example.com';
    const token = await stack.frontend.sessionToken({ sub: 'usr-2000000000000000004', email });
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await exchange(token).response).status));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const users = (JSON.parse(await poolSnapshot(stack.app)) as Array<{ attributes: Record<string, string> }>).filter(
      (user) => user.attributes.email === email,
    );
    expect(users).toHaveLength(1);
  });
});

type Case = [string, () => Promise<string | null>, 'bearer' | 'cookie'];
const victim = 'victim.of.forgery@example.com';
const claimsFor = (extra: Record<string, unknown> = {}) => ({
  sub: 'usr-3000000000000000001',
  email: victim,
  ...extra,
});

const invalidTokens: Case[] = [
  [
    'expired 1 s ago',
    () => stack.frontend.sessionToken(claimsFor({ exp: now() - 1, iat: now() - 901, nbf: now() - 901 })),
    'bearer',
  ],
  ['not yet valid (nbf 5 minutes ahead)', () => stack.frontend.sessionToken(claimsFor({ nbf: now() + 300 })), 'bearer'],
  ['without exp', () => stack.frontend.sessionToken(claimsFor({ exp: undefined })), 'bearer'],
  ['without sub', () => stack.frontend.sessionToken(claimsFor({ sub: undefined })), 'bearer'],
  ['with an empty sub', () => stack.frontend.sessionToken(claimsFor({ sub: '' })), 'bearer'],
  ['without email', () => stack.frontend.sessionToken(claimsFor({ email: undefined })), 'bearer'],
  [
    'with an email that is not an address',
    () => stack.frontend.sessionToken(claimsFor({ email: 'victim at example.com' })),
    'bearer',
  ],
  [
    'signed by another key under the project key id',
    () => stack.frontend.sessionToken(claimsFor(), { key: stack.frontend.strangerKey }),
    'bearer',
  ],
  [
    'signed by another key under an unknown key id',
    () => stack.frontend.sessionToken(claimsFor(), { key: stack.frontend.strangerKey, kid: 'other' }),
    'bearer',
  ],
  ['from another issuer', () => stack.frontend.sessionToken(claimsFor({ iss: 'https://auth.evil.example' })), 'bearer'],
  [
    'from another Corbado project',
    () => stack.frontend.sessionToken(claimsFor({ iss: 'https://pro-999.frontendapi.cloud.corbado.io' })),
    'bearer',
  ],
  ['without an issuer', () => stack.frontend.sessionToken(claimsFor({ iss: undefined })), 'bearer'],
  [
    'unsigned (alg none)',
    async () => new UnsecuredJWT(claimsFor({ iss: stack.frontend.origin })).setExpirationTime('15m').encode(),
    'bearer',
  ],
  [
    'signed with HS256 (algorithm confusion)',
    async () =>
      new SignJWT(claimsFor({ iss: stack.frontend.origin }))
        .setProtectedHeader({ alg: 'HS256', kid: 'test-project-key' })
        .setExpirationTime('15m')
        .sign(new TextEncoder().encode('a-shared-secret-an-attacker-chose-0123')),
    'bearer',
  ],
  [
    'with its payload altered after signing',
    async () => {
      const [header, , signature] = (await stack.frontend.sessionToken({ email: 'mallory@example.com' })).split('.');
      const payload = Buffer.from(
        JSON.stringify({ ...claimsFor({ iss: stack.frontend.origin }), exp: now() + 900 }),
      ).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
    'bearer',
  ],
  ['malformed (not a JWT)', async () => 'this-is-not-a-jwt-at-all', 'bearer'],
  ['malformed (three garbage segments)', async () => 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl', 'bearer'],
  ['too long (10 KB)', async () => `${'a'.repeat(5_000)}.${'b'.repeat(5_000)}.c`, 'bearer'],
  ['empty (Bearer with nothing after it)', async () => '', 'bearer'],
  ['missing (no header, no cookie)', async () => null, 'bearer'],
  [
    'an expired token in the cookie',
    () => stack.frontend.sessionToken(claimsFor({ exp: now() - 60, iat: now() - 960, nbf: now() - 960 })),
    'cookie',
  ],
];

describe('an invalid Corbado session token', () => {
  it.each(invalidTokens)('is refused with 401 and changes nothing in Cognito: %s', async (_name, makeToken, via) => {
    const token = await makeToken();
    const snapshot = await poolSnapshot(stack.app);
    let response!: Response;
    let jar!: CookieJar;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      const attempt = exchange(token, via);
      jar = attempt.jar;
      response = await attempt.response;
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'corbado_session_invalid', message: expect.any(String) } });
    expect(calls).toEqual({});
    expect(await poolSnapshot(stack.app)).toBe(snapshot);
    expect(jar.names().filter((name) => name.includes('session') && name !== 'cbo_session_token')).toEqual([]);
  });

  it('never created a Cognito user for the forged email', async () => {
    await expect(
      stack.app.sdk.send(new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: victim })),
    ).rejects.toMatchObject({ name: 'UserNotFoundException' });
    expect(
      auditLines(stack.app, 'sign_in_failed').filter((line) => line.method === 'corbado').length,
    ).toBeGreaterThanOrEqual(invalidTokens.length);
  });

  it('is recorded in the audit log with the check it failed, and the token itself is never logged', async () => {
    const token = await stack.frontend.sessionToken(claimsFor({ exp: undefined, jti: 'jti-audit-check' }));
    expect((await exchange(token).response).status).toBe(401);
    const expired = await stack.frontend.sessionToken(
      claimsFor({ exp: now() - 5, iat: now() - 905, nbf: now() - 905 }),
    );
    expect((await exchange(expired).response).status).toBe(401);
    const failures = auditLines(stack.app, 'sign_in_failed').filter((line) => line.method === 'corbado');
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'corbado_session_invalid', detail: 'no exp' }),
        expect.objectContaining({ reason: 'corbado_session_invalid', detail: 'JWT_EXPIRED' }),
      ]),
    );
    const output = stack.app.output();
    for (const secret of [token, expired, token.split('.')[1]!, token.split('.')[2]!])
      expect(output).not.toContain(secret);
  });

  it('is refused before the body or Cognito when the request comes from another site', async () => {
    const token = await stack.frontend.sessionToken(claimsFor());
    const calls = await cognitoCallsDuring(stack.app, async () => {
      const response = await new CookieJar().fetch(`${stack.app.baseUrl}/api/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
      });
      expect(response.status).toBe(403);
    });
    expect(calls).toEqual({});
  });
});

describe('the Cognito user a valid token signs in to', () => {
  it('is the one whose email the token carries, with the sub Cognito gave it', async () => {
    const token = await stack.frontend.sessionToken({ sub: 'usr-2000000000000000009', email: 'same.sub@example.com' });
    const first = await (await exchange(token).response).json();
    const second = await (await exchange(token).response).json();
    const user = await stack.app.sdk.send(
      new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: 'same.sub@example.com' }),
    );
    expect(first.user.sub).toBe(attributesOf(user).sub);
    expect(second.user.sub).toBe(first.user.sub);
  });
});
