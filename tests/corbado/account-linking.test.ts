import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import {
  auditLines,
  cognitoCallsDuring,
  poolSnapshot,
  startCorbadoTestStack,
  type CorbadoTestStack,
} from '../support/corbado-stack';
import { addPasswordUser } from '../support/users';

/**
 * Account linking: a Corbado identity takes over a Cognito user that existed before (a password
 * user) only when Corbado's Backend API reports the email verified for that Corbado user. The
 * Backend API is a local server speaking Corbado's documented shapes (its cloud cannot be
 * reached here); the SDK, the app and the embedded Cognito are real.
 */

let stack: CorbadoTestStack;
const password = 'Existing-passw0rd';

beforeAll(async () => {
  stack = await startCorbadoTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function exchange(token: string, jar = new CookieJar()) {
  const response = await jar.fetch(`${stack.app.baseUrl}/api/auth/session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { response, jar };
}

async function passwordSignIn(email: string) {
  const jar = new CookieJar();
  const response = await jar.fetch(`${stack.app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
  return { status: response.status, body: (await response.json()) as { user?: { sub: string } } };
}

async function attributes(email: string) {
  const user = await stack.app.sdk.send(
    new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
  );
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
}

function identifier(userID: string, value: string, status: 'pending' | 'verified' | 'primary') {
  return { identifierID: `ide-${Math.floor(Math.random() * 1e15)}`, type: 'email' as const, value, status, userID };
}

describe('a Corbado identity whose email Corbado reports verified', () => {
  const email = 'linked.user@example.com';
  const corbadoUserId = 'usr-4000000000000000001';

  it('links to the existing password user: same sub, password still works, link recorded in Cognito', async () => {
    await addPasswordUser(stack.app, email, password);
    const before = await passwordSignIn(email);
    expect(before.status).toBe(200);
    stack.backend.identifiers.push(identifier(corbadoUserId, 'Linked.User@example.com', 'primary'));
    const backendBefore = stack.backend.requests.length;

    const token = await stack.frontend.sessionToken({ sub: corbadoUserId, email });
    let result!: Awaited<ReturnType<typeof exchange>>;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      result = await exchange(token);
    });
    expect(result.response.status).toBe(200);
    const body = (await result.response.json()) as { user: { sub: string; email: string } };
    expect(body.user).toMatchObject({ sub: before.body.user!.sub, email });
    expect(calls).toEqual({ AdminInitiateAuth: 1, AdminUpdateUserAttributes: 1, AdminRespondToAuthChallenge: 1 });

    const asked = stack.backend.requests.slice(backendBefore);
    expect(asked).toHaveLength(1);
    const query = new URL(asked[0]!, 'http://x').searchParams;
    expect(new URL(asked[0]!, 'http://x').pathname).toBe('/v2/identifiers');
    expect(query.getAll('filter[]').sort()).toEqual(['identifierType:eq:email', 'userID:eq:4000000000000000001']);

    expect(await attributes(email)).toMatchObject({ 'custom:corbadoUserId': corbadoUserId });
    expect((await attributes(email))['custom:createdByCorbado']).toBeUndefined();
    const afterLink = await passwordSignIn(email);
    expect(afterLink.status).toBe(200);
    expect(afterLink.body.user!.sub).toBe(before.body.user!.sub);
    expect(auditLines(stack.app, 'account_linked')).toEqual([
      expect.objectContaining({ method: 'corbado', corbadoUserId, replacedLink: false }),
    ]);
  });

  it('signs the linked user in again with exactly 2 Cognito calls and no Backend API call', async () => {
    const backendBefore = stack.backend.requests.length;
    const jwksBefore = stack.frontend.jwksRequests();
    const token = await stack.frontend.sessionToken({ sub: corbadoUserId, email });
    let status = 0;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      status = (await exchange(token)).response.status;
    });
    expect(status).toBe(200);
    expect(calls).toEqual({ AdminInitiateAuth: 1, AdminRespondToAuthChallenge: 1 });
    expect(stack.backend.requests.length).toBe(backendBefore);
    expect(stack.frontend.jwksRequests()).toBe(jwksBefore);
  });

  it('does not let another Corbado user with the same email ride on that link: it is asked about afresh', async () => {
    const backendBefore = stack.backend.requests.length;
    const snapshot = await poolSnapshot(stack.app);
    const token = await stack.frontend.sessionToken({ sub: 'usr-4000000000000000099', email });
    const { response } = await exchange(token);
    expect(response.status).toBe(409);
    expect(stack.backend.requests.length).toBe(backendBefore + 1);
    expect(await poolSnapshot(stack.app)).toBe(snapshot);
  });
});

describe('a Corbado identity whose email Corbado does not report verified', () => {
  const cases: Array<[string, string, (userId: string, email: string) => ReturnType<typeof identifier>[]]> = [
    ['pending at Corbado', 'usr-5000000000000000001', (userId, email) => [identifier(userId, email, 'pending')]],
    ['not among its identifiers at all', 'usr-5000000000000000002', () => []],
    [
      'verified only for another Corbado user',
      'usr-5000000000000000003',
      (_userId, email) => [identifier('usr-5999999999999999999', email, 'verified')],
    ],
    [
      'verified, but a different email of this Corbado user',
      'usr-5000000000000000004',
      (userId) => [identifier(userId, 'other@example.com', 'verified')],
    ],
  ];

  it.each(cases)(
    'is refused with a clear 409 and nothing changes in Cognito (%s)',
    async (_name, corbadoUserId, identifiers) => {
      const email = `unverified.${corbadoUserId.slice(-1)}@example.com`;
      await addPasswordUser(stack.app, email, password);
      const before = await passwordSignIn(email);
      stack.backend.identifiers.push(...identifiers(corbadoUserId, email));
      const snapshot = await poolSnapshot(stack.app);
      const backendBefore = stack.backend.requests.length;

      const token = await stack.frontend.sessionToken({ sub: corbadoUserId, email });
      let response!: Response;
      let jar!: CookieJar;
      const calls = await cognitoCallsDuring(stack.app, async () => {
        ({ response, jar } = await exchange(token));
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({
        error: { code: 'account_exists', message: expect.stringContaining('already exists') },
      });
      expect(calls).toEqual({ AdminInitiateAuth: 1 });
      expect(stack.backend.requests.length).toBe(backendBefore + 1);
      expect(jar.names()).toEqual([]);
      expect(await poolSnapshot(stack.app)).toBe(snapshot);
      expect((await attributes(email))['custom:corbadoUserId']).toBeUndefined();
      const after = await passwordSignIn(email);
      expect(after.status).toBe(200);
      expect(after.body.user!.sub).toBe(before.body.user!.sub);
    },
  );
});

describe("Corbado's Backend API failing during a first link", () => {
  it.each([
    [503, 503, 'upstream_unavailable'],
    [401, 500, 'internal'],
  ])('Backend API answering %i gives %i (%s) and changes nothing in Cognito', async (backendStatus, status, code) => {
    const email = `backend.down.${backendStatus}@example.com`;
    await addPasswordUser(stack.app, email, password);
    const corbadoUserId = `usr-600000000000000${backendStatus}`;
    stack.backend.identifiers.push(identifier(corbadoUserId, email, 'verified'));
    const snapshot = await poolSnapshot(stack.app);
    stack.backend.failWith = backendStatus;
    try {
      const { response, jar } = await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }));
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
      expect(jar.names()).toEqual([]);
    } finally {
      stack.backend.failWith = null;
    }
    expect(await poolSnapshot(stack.app)).toBe(snapshot);
    // Once Corbado answers again, the same identity links.
    const { response } = await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }));
    expect(response.status).toBe(200);
  });
});

describe('users the app provisioned for a Corbado user', () => {
  it('record that Corbado user at provisioning, and sign it in again without asking the Backend API', async () => {
    const email = 'provisioned.by.corbado@example.com';
    const corbadoUserId = 'usr-7000000000000000001';
    const backendBefore = stack.backend.requests.length;
    expect((await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }))).response.status).toBe(
      200,
    );
    expect(await attributes(email)).toMatchObject({
      'custom:createdByCorbado': 'true',
      'custom:corbadoUserId': corbadoUserId,
    });
    const { response } = await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }));
    expect(response.status).toBe(200);
    expect(stack.backend.requests.length).toBe(backendBefore);
  });

  describe('another Corbado user whose token carries the same email', () => {
    const email = 'provisioned.victim@example.com';
    const owner = 'usr-7100000000000000001';
    const intruder = 'usr-7100000000000000666';
    let ownerSub: string;

    beforeAll(async () => {
      const { response } = await exchange(await stack.frontend.sessionToken({ sub: owner, email }));
      expect(response.status).toBe(200);
      ownerSub = ((await response.json()) as { user: { sub: string } }).user.sub;
    });

    it.each([
      ['has no email identifier at Corbado at all', () => []],
      ['has the email pending (unverified) at Corbado', () => [identifier(intruder, email, 'pending')]],
    ])('gets no session and changes nothing when it %s', async (_name, identifiers) => {
      stack.backend.identifiers.push(...identifiers());
      const snapshot = await poolSnapshot(stack.app);
      const backendBefore = stack.backend.requests.length;
      let response!: Response;
      let jar!: CookieJar;
      const calls = await cognitoCallsDuring(stack.app, async () => {
        ({ response, jar } = await exchange(await stack.frontend.sessionToken({ sub: intruder, email })));
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({ error: { code: 'account_exists', message: expect.any(String) } });
      expect(jar.names()).toEqual([]);
      expect(calls).toEqual({ AdminInitiateAuth: 1 });
      expect(stack.backend.requests.length).toBe(backendBefore + 1);
      expect(await poolSnapshot(stack.app)).toBe(snapshot);
      expect((await attributes(email))['custom:corbadoUserId']).toBe(owner);
    });

    it('signs in to that account once Corbado reports the email verified for it, and the link moves to it', async () => {
      stack.backend.identifiers.push(identifier(intruder, email, 'verified'));
      const { response } = await exchange(await stack.frontend.sessionToken({ sub: intruder, email }));
      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: { sub: string } }).user.sub).toBe(ownerSub);
      expect((await attributes(email))['custom:corbadoUserId']).toBe(intruder);
      expect(auditLines(stack.app, 'account_linked')).toContainEqual(
        expect.objectContaining({ method: 'corbado', corbadoUserId: intruder, replacedLink: true }),
      );
    });
  });

  it('a user provisioned before links were recorded is linked on its next Corbado sign-in only after the Backend API check', async () => {
    const email = 'provisioned.unlinked@example.com';
    const corbadoUserId = 'usr-7200000000000000001';
    // As an earlier version of the app left it: provisioned, no link recorded.
    await stack.app.sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.app.cognito.userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        TemporaryPassword: 'Unseen-Passw0rd-1',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:createdByCorbado', Value: 'true' },
        ],
      }),
    );
    await stack.app.sdk.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.app.cognito.userPoolId,
        Username: email,
        Password: 'Unseen-Passw0rd-2',
        Permanent: true,
      }),
    );
    expect((await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }))).response.status).toBe(
      409,
    );
    stack.backend.identifiers.push(identifier(corbadoUserId, email, 'primary'));
    expect((await exchange(await stack.frontend.sessionToken({ sub: corbadoUserId, email }))).response.status).toBe(
      200,
    );
    expect((await attributes(email))['custom:corbadoUserId']).toBe(corbadoUserId);
  });
});
