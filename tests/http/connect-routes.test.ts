import { AdminDeleteUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectClient, connectToken } from '../support/corbado-cloud/client';
import { cognitoCallsDuring, poolSnapshot } from '../support/corbado-stack';
import { startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { addPasswordUser } from '../support/users';

/**
 * Corbado Connect's app routes over real HTTP, against the stand-in of Corbado's Backend API:
 * POST /api/corbado/connect/sign-in {signedPasskeyData} and POST /api/corbado/connect/tokens
 * {type}. Real passkey logins (the stand-in signs signedPasskeyData only after a WebAuthn
 * ceremony): here from Node through the stand-in's ConnectClient, which speaks to the Frontend
 * API exactly as @corbado/web-core does, with a SoftAuthenticator; with the real component in
 * Chromium in tests/browser/connect.test.ts.
 */

let stack: ConnectTestStack;
const url = (path: string) => `${stack.app.baseUrl}${path}`;
const password = 'Connect-passw0rd';
const email = 'pat@example.com';

beforeAll(async () => {
  stack = await startConnectTestStack();
  await addPasswordUser(stack.app, email, password);
});
afterAll(async () => {
  await stack?.stop();
});

async function signInWithPassword(): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await jar.fetch(url('/api/auth/password'), jsonPost({ email, password }));
  expect(response.status).toBe(200);
  return jar;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT in the shape of signedPasskeyData, signed by nobody Corbado knows. */
function forgedSignedPasskeyData(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iss: stack.cloud.projectId, exp: Math.floor(Date.now() / 1000) + 60, ...claims })}.${Buffer.from('not a signature').toString('base64url')}`;
}

const callsTo = (path: string) => stack.cloud.backendCalls().filter((call) => call.path === path);

describe('POST /api/corbado/connect/sign-in', () => {
  it.each<[string, Record<string, unknown>]>([
    ['no signedPasskeyData', {}],
    ['a number', { signedPasskeyData: 42 }],
    ['not a JWT', { signedPasskeyData: 'hello' }],
    ['a JWT whose payload is not JSON', { signedPasskeyData: 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln' }],
    ['a JWT naming no user', { signedPasskeyData: 'FORGED_NO_USER' }],
    ['a JWT naming a user with a control character', { signedPasskeyData: 'FORGED_CONTROL' }],
  ])('refuses %s with 401 before asking Corbado, and signs nobody in', async (_name, rawBody) => {
    const body =
      rawBody.signedPasskeyData === 'FORGED_NO_USER'
        ? { signedPasskeyData: forgedSignedPasskeyData({ sub: 'usr-1' }) }
        : rawBody.signedPasskeyData === 'FORGED_CONTROL'
          ? { signedPasskeyData: forgedSignedPasskeyData({ webauthnId: 'pat\n@example.com' }) }
          : rawBody;
    const asked = callsTo('/v2/passkey/verifySignedData').length;
    const jar = new CookieJar();
    const response = await jar.fetch(url('/api/corbado/connect/sign-in'), jsonPost(body));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
    expect(jar.names()).toEqual([]);
    expect(callsTo('/v2/passkey/verifySignedData')).toHaveLength(asked);
  });

  it('refuses a forged proof for an existing user after Corbado says so: no session, nothing changed', async () => {
    const { Username } = await stack.app.sdk.send(
      new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
    );
    const before = await poolSnapshot(stack.app);
    const jar = new CookieJar();
    const response = await jar.fetch(
      url('/api/corbado/connect/sign-in'),
      jsonPost({ signedPasskeyData: forgedSignedPasskeyData({ webauthnId: Username }) }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
    expect(jar.names()).toEqual([]);
    expect(callsTo('/v2/passkey/verifySignedData').at(-1)?.body).toMatchObject({ username: Username });
    expect(await poolSnapshot(stack.app)).toBe(before);
  });

  it('refuses a cross-site request with 403', async () => {
    const response = await fetch(
      url('/api/corbado/connect/sign-in'),
      jsonPost({ signedPasskeyData: 'x' }, { origin: 'https://evil.example' }),
    );
    expect(response.status).toBe(403);
  });
});

describe('POST /api/corbado/connect/tokens', () => {
  it('answers 401 without a session, and asks Corbado for nothing', async () => {
    const asked = callsTo('/v2/connectTokens').length;
    const response = await new CookieJar().fetch(
      url('/api/corbado/connect/tokens'),
      jsonPost({ type: 'passkey-list' }),
    );
    expect(response.status).toBe(401);
    expect(callsTo('/v2/connectTokens')).toHaveLength(asked);
  });

  it.each(['passkey-append', 'passkey-list', 'passkey-delete'])(
    'issues a %s token for the signed-in user: identifier = Cognito username, one Backend API call',
    async (type) => {
      const jar = await signInWithPassword();
      const { Username } = await stack.app.sdk.send(
        new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
      );
      const asked = stack.cloud.backendCalls().length;
      const response = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ token: expect.stringMatching(/.{16,}/) });
      const calls = stack.cloud
        .backendCalls()
        .slice(asked)
        .map(({ path, body }) => ({ path, body }));
      expect(calls).toEqual([
        {
          path: '/v2/connectTokens',
          body: {
            type,
            data: type === 'passkey-append' ? { identifier: Username, displayName: email } : { identifier: Username },
          },
        },
      ]);
    },
  );

  it.each([['passkey-lists'], [''], [null], [['passkey-list']]])('answers 400 to type %j', async (type) => {
    const jar = await signInWithPassword();
    const response = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('refuses a cross-site request with 403', async () => {
    const jar = await signInWithPassword();
    const response = await jar.fetch(
      url('/api/corbado/connect/tokens'),
      jsonPost({ type: 'passkey-list' }, { origin: 'https://evil.example' }),
    );
    expect(response.status).toBe(403);
  });

  it('with a sign-in older than 5 minutes: lists, but refuses append and delete tokens with 403', async () => {
    // The emulator runs in this process: with Date set back it issues an ID token whose
    // auth_time is 10 minutes old (see tests/http/passkey-ceremonies.test.ts).
    vi.setSystemTime(Date.now() - 10 * 60_000);
    let jar: CookieJar;
    try {
      jar = await signInWithPassword();
    } finally {
      vi.useRealTimers();
    }
    expect((await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-list' }))).status).toBe(200);
    for (const type of ['passkey-append', 'passkey-delete']) {
      const asked = callsTo('/v2/connectTokens').length;
      const response = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type }));
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'reauthentication_required' } });
      expect(callsTo('/v2/connectTokens')).toHaveLength(asked);
    }
  });

  it('answers a clear 503 with Retry-After while the Backend API is down, and works again after', async () => {
    const jar = await signInWithPassword();
    stack.cloud.setBackendDown(true);
    try {
      const down = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-list' }));
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await down.json()).toMatchObject({
        error: { code: 'upstream_unavailable', message: expect.stringContaining('Corbado cannot be reached') },
      });
    } finally {
      stack.cloud.setBackendDown(false);
    }
    expect((await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-list' }))).status).toBe(200);
  });
});

describe('a real passkey login through the stand-in', () => {
  const owner = 'owner@example.com';
  let authenticator: SoftAuthenticator;

  /** The password user appends a passkey with a token from the app, as the append component does. */
  beforeAll(async () => {
    await addPasswordUser(stack.app, owner, password);
    const jar = new CookieJar();
    expect((await jar.fetch(url('/api/auth/password'), jsonPost({ email: owner, password }))).status).toBe(200);
    const token = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-append' }));
    authenticator = new SoftAuthenticator(stack.app.baseUrl);
    const appended = await new ConnectClient(stack.cloud, stack.app.baseUrl).appendPasskey(
      authenticator,
      ((await token.json()) as { token: string }).token,
    );
    expect(appended.status).toBe(200);
  });

  async function login(identifier = owner): Promise<string> {
    const answer = await new ConnectClient(stack.cloud, stack.app.baseUrl).loginWithPasskey(authenticator, identifier);
    expect(answer.status).toBe(200);
    return (answer.body as { session: string }).session;
  }

  it('the post-append Action marked the Cognito user as having a passkey', async () => {
    const { UserAttributes } = await stack.app.sdk.send(
      new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: owner }),
    );
    expect(UserAttributes).toContainEqual({ Name: 'custom:hasPasskey', Value: 'true' });
  });

  it('signs the owner in with 2 Cognito calls and 1 Backend API call', async () => {
    const signedPasskeyData = await login('  Owner@Example.com ');
    const jar = new CookieJar();
    const asked = stack.cloud.backendCalls().length;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      const response = await jar.fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ user: { email: owner, sub: expect.any(String), method: 'corbado' } });
    });
    expect(calls).toEqual({ AdminInitiateAuth: 1, AdminRespondToAuthChallenge: 1 });
    expect(
      stack.cloud
        .backendCalls()
        .slice(asked)
        .map((call) => call.path),
    ).toEqual(['/v2/passkey/verifySignedData']);
    expect(await (await jar.fetch(url('/api/auth/me'))).json()).toMatchObject({ email: owner, method: 'corbado' });
  });

  it("a sign-in Cognito's quota held back is kept for this browser: the retry signs in with no second passkey login, once", async () => {
    const signedPasskeyData = await login();
    const jar = new CookieJar();
    const verified = callsTo('/v2/passkey/verifySignedData').length;
    // Every attempt of the SDK's retries throttled, as in tests/security/sign-in-retry.test.ts.
    stack.app.cognito.faults.inject({ operation: 'AdminInitiateAuth', fault: { kind: 'throttle' }, times: 3 });
    let held: Response;
    try {
      held = await jar.fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
    } finally {
      stack.app.cognito.faults.clear();
    }
    expect(held.status).toBe(503);
    expect(await held.json()).toEqual({
      error: { code: 'upstream_unavailable', message: expect.any(String) },
      retry: true,
    });
    const keep = jar.names().find((name) => name.endsWith('sign-in-retry'));
    expect(keep).toBeDefined();
    const copy = new CookieJar();
    copy.set(keep!, jar.get(keep!)!);

    // The retry sends the same body (Corbado has spent the proof): the kept proof signs in.
    const retried = await jar.fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
    expect(retried.status).toBe(200);
    expect(await (await jar.fetch(url('/api/auth/me'))).json()).toMatchObject({ email: owner, method: 'corbado' });
    expect(callsTo('/v2/passkey/verifySignedData')).toHaveLength(verified + 1);

    // A copy of the keep cookie, replayed after its one use, signs nobody in.
    const replayed = await copy.fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
    expect(copy.names().filter((name) => name.startsWith('__Host-session'))).toEqual([]);
  });

  it('refuses the same signedPasskeyData a second time: Corbado spends it at the first use', async () => {
    const signedPasskeyData = await login();
    expect(
      (await new CookieJar().fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }))).status,
    ).toBe(200);
    const replay = new CookieJar();
    const response = await replay.fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
    expect(replay.names()).toEqual([]);
    expect(stack.cloud.backendCalls().at(-1)).toMatchObject({ path: '/v2/passkey/verifySignedData', status: 200 });
  });

  it('refuses to keep a passkey appended for a name that is not a Cognito username (an email alias)', async () => {
    // An append token issued with an email as identifier (not by this app: another integration
    // on the same Corbado project could) would have Corbado vouch for "victim@example.com",
    // which Cognito resolves by alias to the victim. The post-append Action refuses that name,
    // and Corbado undoes the append.
    const victim = 'victim@example.com';
    await addPasswordUser(stack.app, victim, password);
    const appendToken = await connectToken(stack.cloud, 'passkey-append', { identifier: victim, displayName: victim });
    const appended = await new ConnectClient(stack.cloud, stack.app.baseUrl).appendPasskey(
      new SoftAuthenticator(stack.app.baseUrl),
      appendToken,
    );
    expect(appended.status).toBe(500);
    expect(stack.cloud.actionCalls().at(-1)).toMatchObject({ action: 'post-append', status: 404 });
    expect(stack.cloud.passkeysOf(victim)).toEqual([]);
  });

  it('refuses a valid proof for a user the pool no longer has, and provisions nobody', async () => {
    const leaver = 'leaver@example.com';
    await addPasswordUser(stack.app, leaver, password);
    const jar = new CookieJar();
    expect((await jar.fetch(url('/api/auth/password'), jsonPost({ email: leaver, password }))).status).toBe(200);
    const token = (
      (await (await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-append' }))).json()) as {
        token: string;
      }
    ).token;
    const leaverKey = new SoftAuthenticator(stack.app.baseUrl);
    expect((await new ConnectClient(stack.cloud, stack.app.baseUrl).appendPasskey(leaverKey, token)).status).toBe(200);
    const { Username } = await stack.app.sdk.send(
      new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: leaver }),
    );
    const client = new ConnectClient(stack.cloud, stack.app.baseUrl);
    const proof = await client.loginWithPasskey(leaverKey, leaver);
    expect(proof.status).toBe(200);
    await stack.app.sdk.send(new AdminDeleteUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username }));
    const before = await poolSnapshot(stack.app);
    const response = await new CookieJar().fetch(
      url('/api/corbado/connect/sign-in'),
      jsonPost({ signedPasskeyData: (proof.body as { session: string }).session }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
    expect(await poolSnapshot(stack.app)).toBe(before);
  });

  it('answers a clear 503 while the Backend API is down, and the next try signs in', async () => {
    const signedPasskeyData = await login();
    stack.cloud.setBackendDown(true);
    try {
      const down = await new CookieJar().fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }));
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await down.json()).toMatchObject({
        error: { code: 'upstream_unavailable', message: expect.stringContaining('Corbado cannot be reached') },
      });
    } finally {
      stack.cloud.setBackendDown(false);
    }
    // The refused call never reached verification, so the same proof is still good.
    expect(
      (await new CookieJar().fetch(url('/api/corbado/connect/sign-in'), jsonPost({ signedPasskeyData }))).status,
    ).toBe(200);
  });
});

describe('readiness in Connect mode', () => {
  it('the Backend API down is degraded but ready (200): passwords and email codes still sign in; back, ok again', async () => {
    const ready = await fetch(url('/api/health'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', ready: true, passkeys: { reachable: true } });
    stack.cloud.setBackendDown(true);
    try {
      const response = await fetch(url('/api/health'));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'degraded',
        ready: true,
        degraded: ['passkeys'],
        cognito: { reachable: true },
        passkeys: { reachable: false },
      });
      expect((await signInWithPassword()).names()).toContain('__Host-session');
    } finally {
      stack.cloud.setBackendDown(false);
    }
    expect(await (await fetch(url('/api/health'))).json()).toMatchObject({ status: 'ok', degraded: [] });
  });
});

describe('the /login page in Connect mode', () => {
  it('allows the Frontend API in connect-src and inline styles, and not Google Fonts', async () => {
    const response = await fetch(url('/login'));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    const directive = (name: string) => csp.split('; ').find((part) => part.startsWith(`${name} `));
    expect(directive('connect-src')).toBe(`connect-src 'self' ${stack.cloud.frontendApi}`);
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(directive('font-src')).toBe("font-src 'self'");
    expect(csp).not.toContain('googleapis');
    expect(await response.text()).toContain('Loading sign-in…');
  });
});

describe('the other layers’ routes in Connect mode', () => {
  it('keeps the email-code sign-up on (Connect creates no users)', async () => {
    const response = await new CookieJar().fetch(
      url('/api/auth/email-code'),
      jsonPost({ email: 'newcomer@example.com' }),
    );
    expect(response.status).toBe(202);
  });

  it.each([
    ['/api/auth/session', {}],
    ['/api/passkeys/sign-in/options', {}],
    ['/api/passkeys/sign-in', { response: {} }],
  ])('answers 404 at %s (Complete and self-hosted passkeys are off)', async (route, body) => {
    const response = await new CookieJar().fetch(url(route), jsonPost(body));
    expect(response.status).toBe(404);
  });
});
