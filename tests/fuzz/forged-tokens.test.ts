import { maxHeaderSize } from 'node:http';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import fc from 'fast-check';
import { sealData, unsealData } from 'iron-session';
import { decodeJwt, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import { clientAddressFactory, rawRequest, sessionCookiesCleared } from '../support/http';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';
import { expectNoUnhandledErrors, fuzz } from '../support/fuzz';

/**
 * Forged, replayed and swapped session material against the production server: random damage to
 * a real sealed cookie (fast-check), ID tokens an attacker could mint or borrow placed in a
 * validly sealed cookie (as if the session secret had leaked), cookies replayed after sign-out,
 * one user's ID cookie paired with another's refresh cookie, and huge or duplicated cookies.
 * Nothing opens a session it should not, nothing refreshes into anyone's session, never a 500.
 */

let app: TestApp;
const alice = { email: 'alice@example.com', password: 'Correct-horse-A1' };
const bob = { email: 'bob@example.com', password: 'Correct-horse-B2' };
const ID = '__Host-session';
const ACCESS = '__Host-session-access';
const REFRESH = '__Host-session-refresh';
const nextAddress = clientAddressFactory(33);

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, alice.email, alice.password);
  await addPasswordUser(app, bob.email, bob.password);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

async function signIn(credentials: { email: string; password: string }): Promise<CookieJar> {
  const response = await rawRequest(url('/api/auth/password'), {
    from: nextAddress(),
    headers: { 'content-type': 'application/json', origin: app.baseUrl },
    body: JSON.stringify(credentials),
  });
  expect(response.status).toBe(200);
  const jar = new CookieJar();
  jar.store(response);
  return jar;
}

function jarWith(cookies: Record<string, string>): CookieJar {
  const jar = new CookieJar();
  for (const [name, value] of Object.entries(cookies)) jar.set(name, value);
  return jar;
}

/** GET /api/auth/me, and the Cognito calls it caused. */
async function me(jar: CookieJar): Promise<{ response: Response; refreshCalls: number }> {
  const before = app.cognito.faults.arrived('InitiateAuth');
  const response = await jar.fetch(url('/api/auth/me'));
  return { response, refreshCalls: app.cognito.faults.arrived('InitiateAuth') - before };
}

async function expectSignedOutWithoutRefresh(jar: CookieJar): Promise<void> {
  const { response, refreshCalls } = await me(jar);
  expect(response.status).toBe(401);
  expect(sessionCookiesCleared(response).sort()).toEqual([ID, ACCESS, REFRESH].sort());
  expect(refreshCalls).toBe(0);
}

interface IdCookie {
  v: 1;
  sid: string;
  idToken: string;
  method: string;
  createdAt: number;
  lastSeenAt: number;
}
const sealPassword = () => parseConfig(app.env).session.sealWith;
const openIdCookie = (jar: CookieJar) => unsealData<IdCookie>(jar.get(ID)!, { password: sealPassword() });
/** What only the server (or someone with its session secret) can do: a validly sealed cookie around any token. */
async function withIdToken(jar: CookieJar, idToken: string): Promise<CookieJar> {
  const data = await openIdCookie(jar);
  const forged = jarWith({ [ID]: jar.get(ID)!, [ACCESS]: jar.get(ACCESS)!, [REFRESH]: jar.get(REFRESH)! });
  forged.set(ID, await sealData({ ...data, idToken }, { password: sealPassword(), ttl: 3600 }));
  return forged;
}

const SHORT_ID_TOKEN_SECONDS = 3;
async function withShortLivedIdTokens(test: () => Promise<void>): Promise<void> {
  await setIdTokenLifetime(app, SHORT_ID_TOKEN_SECONDS, 'seconds');
  try {
    await test();
  } finally {
    await setIdTokenLifetime(app, 60, 'minutes');
  }
}
const waitForIdTokensToExpire = () =>
  new Promise((resolve) => setTimeout(resolve, SHORT_ID_TOKEN_SECONDS * 1000 + 200));

describe('random damage to a real sealed session cookie', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_*~.';
  const damage = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: fc.constantFrom(...alphabet) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.stringMatching(/^[A-Za-z0-9_*~-]{1,20}$/),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );

  it('every altered seal signs the request out (401, cookies cleared) with no refresh attempt; never a 500', async () => {
    const jar = await signIn(alice);
    const original = jar.get(ID)!;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 3 }), async (changes) => {
        let value = original;
        for (const change of changes) {
          const at = change.at % (value.length + 1);
          if (change.kind === 'replace') value = value.slice(0, at) + change.with + value.slice(at + 1);
          else if (change.kind === 'delete') value = value.slice(0, at) + value.slice(at + change.length);
          else if (change.kind === 'insert') value = value.slice(0, at) + change.text + value.slice(at);
          else value = value.slice(0, at);
        }
        fc.pre(value !== original);
        runs += 1;
        await expectSignedOutWithoutRefresh(
          jarWith({ [ID]: value, [ACCESS]: jar.get(ACCESS)!, [REFRESH]: jar.get(REFRESH)! }),
        );
      }),
      fuzz(120, 10),
    );
    expect(runs).toBeGreaterThanOrEqual(50);
    // The control: the undamaged cookies are still a session.
    expect((await me(jar)).response.status).toBe(200);
    expectNoUnhandledErrors(app);
  });
});

describe('ID tokens an attacker could mint or borrow, inside a validly sealed cookie', () => {
  let jar: CookieJar;
  let claims: Record<string, unknown>;
  let poolKey: JWK;

  beforeAll(async () => {
    jar = await signIn(alice);
    claims = decodeJwt((await openIdCookie(jar)).idToken);
    const jwks = (await (
      await fetch(`${app.env.COGNITO_ENDPOINT}/${app.env.COGNITO_USER_POOL_ID}/.well-known/jwks.json`)
    ).json()) as { keys: JWK[] };
    poolKey = jwks.keys[0]!;
  });

  const now = () => Math.floor(Date.now() / 1000);
  const unsigned = (header: object, payload: object) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

  /** A real ID token of the same user's email from another app client of the same pool, or another pool of the same emulator. */
  async function borrowedIdToken(where: 'other client' | 'other pool'): Promise<string> {
    let userPoolId = app.cognito.userPoolId;
    if (where === 'other pool') {
      const { UserPool } = await app.sdk.send(new CreateUserPoolCommand({ PoolName: `other-${Date.now()}` }));
      userPoolId = UserPool!.Id!;
      await app.sdk.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: alice.email,
          MessageAction: 'SUPPRESS',
          TemporaryPassword: alice.password,
          UserAttributes: [{ Name: 'email', Value: alice.email }],
        }),
      );
      await app.sdk.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: userPoolId,
          Username: alice.email,
          Password: alice.password,
          Permanent: true,
        }),
      );
    }
    const { UserPoolClient } = await app.sdk.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `other-${Date.now()}`,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
      }),
    );
    const { AuthenticationResult } = await app.sdk.send(
      new InitiateAuthCommand({
        ClientId: UserPoolClient!.ClientId!,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: alice.email, PASSWORD: alice.password },
      }),
    );
    return AuthenticationResult!.IdToken!;
  }

  const forgeries: Array<[string, () => Promise<string>]> = [
    [
      'alg "none" with the victim’s claims',
      async () => unsigned({ alg: 'none', kid: poolKey.kid }, { ...claims, exp: now() + 600 }),
    ],
    [
      'HS256 keyed with the pool’s public key (algorithm confusion)',
      async () => {
        const pem = await exportSPKI((await importJWK(poolKey, 'RS256')) as CryptoKey);
        return new SignJWT({ ...claims, exp: now() + 600 })
          .setProtectedHeader({ alg: 'HS256', kid: poolKey.kid })
          .sign(new TextEncoder().encode(pem));
      },
    ],
    [
      'RS256 by the attacker’s own key under the pool’s key id',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ ...claims, exp: now() + 600 })
          .setProtectedHeader({ alg: 'RS256', kid: poolKey.kid })
          .sign(privateKey);
      },
    ],
    [
      'the user’s own real access token (token_use access)',
      async () =>
        (await unsealData<{ accessToken: string }>(jar.get(ACCESS)!, { password: sealPassword() })).accessToken,
    ],
    [
      'a real ID token from another app client of the same pool (wrong audience)',
      () => borrowedIdToken('other client'),
    ],
    ['a real ID token from another pool on the same Cognito (wrong issuer)', () => borrowedIdToken('other pool')],
  ];

  it.each(forgeries)('%s: 401, cookies cleared, no refresh attempted', async (_name, mint) => {
    await expectSignedOutWithoutRefresh(await withIdToken(jar, await mint()));
  });

  it('control: the same sealing around the real ID token is a session (so the forgeries fail on the token alone)', async () => {
    const resealed = await withIdToken(jar, (await openIdCookie(jar)).idToken);
    expect((await me(resealed)).response.status).toBe(200);
  });
});

describe('replayed cookies', () => {
  it('a copy taken before sign-out opens only until its ID token expires (the documented window), then cannot refresh', async () => {
    await withShortLivedIdTokens(async () => {
      const jar = await signIn(alice);
      const copy = jarWith({ [ID]: jar.get(ID)!, [ACCESS]: jar.get(ACCESS)!, [REFRESH]: jar.get(REFRESH)! });
      const out = await jar.fetch(url('/api/auth/logout'), { method: 'POST' });
      expect(await out.json()).toEqual({ signedOut: true, revoked: true });

      // Within the ID token's lifetime (at most 60 minutes by default) the copy is still accepted.
      expect((await me(copy)).response.status).toBe(200);
      await waitForIdTokensToExpire();
      const { response, refreshCalls } = await me(copy);
      expect(response.status).toBe(401);
      expect(refreshCalls).toBe(1); // refused by Cognito: the refresh token was revoked
      expect(copy.names()).toEqual([]);
    });
  });
});

describe("one user's ID cookie with another user's refresh cookie", () => {
  it('after the ID token expired, refreshes into nobody’s session (401, no Cognito call), while each user’s own cookies still refresh', async () => {
    await withShortLivedIdTokens(async () => {
      const [a, b] = [await signIn(alice), await signIn(bob)];
      const aliceIdBobRefresh = jarWith({ [ID]: a.get(ID)!, [ACCESS]: a.get(ACCESS)!, [REFRESH]: b.get(REFRESH)! });
      const bobIdAliceRefresh = jarWith({ [ID]: b.get(ID)!, [ACCESS]: b.get(ACCESS)!, [REFRESH]: a.get(REFRESH)! });
      const idOnly = jarWith({ [ID]: a.get(ID)! });

      await waitForIdTokensToExpire();
      await expectSignedOutWithoutRefresh(aliceIdBobRefresh);
      await expectSignedOutWithoutRefresh(bobIdAliceRefresh);
      await expectSignedOutWithoutRefresh(idOnly);

      for (const [jar, email] of [
        [a, alice.email],
        [b, bob.email],
      ] as const) {
        const { response, refreshCalls } = await me(jar);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ email });
        expect(refreshCalls).toBe(1);
      }
    });
  });

  it('while the ID token is valid, the refresh cookie beside it changes nothing: the session is the ID cookie’s own user', async () => {
    const [a, b] = [await signIn(alice), await signIn(bob)];
    const { response } = await me(jarWith({ [ID]: a.get(ID)!, [ACCESS]: b.get(ACCESS)!, [REFRESH]: b.get(REFRESH)! }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ email: alice.email });
  });

  it("a sign-out carrying someone else's refresh cookie does not revoke their session", async () => {
    await withShortLivedIdTokens(async () => {
      const [a, b] = [await signIn(alice), await signIn(bob)];
      const swapped = jarWith({ [ID]: a.get(ID)!, [ACCESS]: a.get(ACCESS)!, [REFRESH]: b.get(REFRESH)! });
      const out = await swapped.fetch(url('/api/auth/logout'), jsonPost({}));
      expect(out.status).toBe(200);
      expect(await out.json()).toEqual({ signedOut: true, revoked: false });

      await waitForIdTokensToExpire();
      expect((await me(b)).response.status).toBe(200);
    });
  });
});

describe('huge and duplicated cookies beside a real session', () => {
  const cookieName = fc.oneof(
    fc.constantFrom(ID, ACCESS, REFRESH, 'session', '__Secure-session', 'x'),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
  );
  const cookieValue = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_*~.-]{0,200}$/),
    fc.integer({ min: 1_000, max: 9_000 }).map((size) => 'v'.repeat(size)),
    fc.constantFrom('Fe26.2**', 'Fe26.2*1*a*b*c*d*e*f~2', '%00', '""'),
  );

  it('are answered 200 for the real user, 401, or 431 when too large; never another identity, never a 500', async () => {
    const jar = await signIn(alice);
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cookieName, cookieValue), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (extra, extraFirst) => {
          const own = jar.header();
          const added = extra.map(([name, value]) => `${name}=${value}`).join('; ');
          const cookie = extraFirst ? `${added}; ${own}` : `${own}; ${added}`;
          let response: Response;
          try {
            response = await rawRequest(url('/api/auth/me'), { method: 'GET', headers: { cookie } });
          } catch (error) {
            // Past Node's header limit (16 KiB) the server answers 431 and closes the connection at
            // once; a client still writing its headers may see the reset instead of the answer.
            const code = (error as { code?: string }).code;
            if (Buffer.byteLength(cookie) > maxHeaderSize && (code === 'ECONNRESET' || code === 'EPIPE')) return;
            throw error;
          }
          statuses.add(response.status);
          expect([200, 401, 431]).toContain(response.status);
          if (response.status === 200) expect(await response.json()).toMatchObject({ email: alice.email });
        },
      ),
      fuzz(100, 10),
    );
    expect(statuses.has(200)).toBe(true);
    expect((await fetch(url('/api/health'))).status).toBe(200);
    expectNoUnhandledErrors(app);
  });
});
