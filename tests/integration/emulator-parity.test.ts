import { createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminUserGlobalSignOutCommand,
  ChangePasswordCommand,
  CreateUserPoolClientCommand,
  DeleteUserAttributesCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  UpdateUserAttributesCommand,
  type AuthenticationResultType,
  type AuthFlowType,
} from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signChallengeAssertion } from '../../lib/cognito/challenge/assertion';
import { TRIGGER_ARNS } from '../../embedded-cognito';
import { restartTestCognito, startTestCognito, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The embedded Cognito answers like Amazon Cognito wherever the app depends on it, so that what
 * passes here holds against AWS: SECRET_HASH checks, error names and messages, allowed flows,
 * revocation, token shape and signatures, pool setup and persistence.
 */

interface Client {
  id: string;
  secret: string;
}

const password = 'Correct-horse-9';
let stack: TestCognito;
let client: Client;
let appKey: KeyObject;
let seq = 0;

beforeAll(async () => {
  stack = await startTestCognito();
  client = { id: stack.cognito.clientId, secret: stack.cognito.clientSecret };
  appKey = createPrivateKey(stack.env.AUTH_CHALLENGE_PRIVATE_KEY!);
});
afterAll(async () => {
  await stack?.stop();
});

const hmac = (secret: string, username: string, clientId = client.id) =>
  createHmac('sha256', secret)
    .update(username + clientId)
    .digest('base64');
const secretHash = (username: string, on = client) => hmac(on.secret, username, on.id);
const withHash = (hash: string | undefined): Record<string, string> =>
  hash === undefined ? {} : { SECRET_HASH: hash };

/** A fresh confirmed password user, with the internal username Cognito gave it. */
async function newUser(): Promise<{ email: string; username: string }> {
  const email = `user${++seq}@example.com`;
  await addPasswordUser(stack, email, password);
  const user = await stack.sdk.send(new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: email }));
  return { email, username: user.Username! };
}

/** 'ok', or the error's name and message, so failures show what the emulator actually said. */
async function outcomeOf(call: Promise<unknown>): Promise<'ok' | { name: string; message: string }> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

function initiate(flow: AuthFlowType, parameters: Record<string, string>, on = client) {
  return stack.sdk.send(new InitiateAuthCommand({ ClientId: on.id, AuthFlow: flow, AuthParameters: parameters }));
}

const passwordSignIn = (email: string, hash: string | undefined, pass = password) =>
  initiate('USER_PASSWORD_AUTH', { USERNAME: email, PASSWORD: pass, ...withHash(hash) });

async function signIn(email: string): Promise<AuthenticationResultType> {
  const result = await passwordSignIn(email, secretHash(email));
  expect(result.AuthenticationResult?.RefreshToken).toBeTruthy();
  return result.AuthenticationResult!;
}

const refresh = (refreshToken: string, hash: string | undefined) =>
  initiate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken, ...withHash(hash) });

/** CUSTOM_AUTH answered with the app's own signed assertion; `hashFor` decides the answer's SECRET_HASH. */
async function customAuthAnswer(email: string, hashFor: (username: string) => string | undefined) {
  const challenge = await initiate('CUSTOM_AUTH', { USERNAME: email, SECRET_HASH: secretHash(email) });
  const username = challenge.ChallengeParameters!.USERNAME!;
  const answer = await signChallengeAssertion(appKey, {
    nonce: challenge.ChallengeParameters!.nonce!,
    username,
    clientId: client.id,
  });
  return stack.sdk.send(
    new RespondToAuthChallengeCommand({
      ClientId: client.id,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: challenge.Session,
      ChallengeResponses: { USERNAME: username, ANSWER: answer, ...withHash(hashFor(username)) },
    }),
  );
}

describe('SECRET_HASH is checked like AWS does', () => {
  /** Each call, given how to compute SECRET_HASH from the username Cognito expects it over. */
  const calls: [string, (hashFor: (username: string) => string | undefined) => Promise<unknown>][] = [
    [
      'InitiateAuth USER_PASSWORD_AUTH',
      async (hashFor) => {
        const { email } = await newUser();
        return passwordSignIn(email, hashFor(email));
      },
    ],
    [
      'InitiateAuth CUSTOM_AUTH',
      async (hashFor) => {
        const { email } = await newUser();
        return initiate('CUSTOM_AUTH', { USERNAME: email, ...withHash(hashFor(email)) });
      },
    ],
    ['RespondToAuthChallenge CUSTOM_CHALLENGE', async (hashFor) => customAuthAnswer((await newUser()).email, hashFor)],
    [
      'InitiateAuth REFRESH_TOKEN_AUTH (hash over the internal username)',
      async (hashFor) => {
        const user = await newUser();
        return refresh((await signIn(user.email)).RefreshToken!, hashFor(user.username));
      },
    ],
  ];
  const wrong: [string, (username: string) => string | undefined][] = [
    ['missing', () => undefined],
    ['computed with a wrong secret', (username) => hmac('not-the-secret', username)],
    ['computed over another username', () => secretHash('someone-else@example.com')],
  ];

  describe.each(calls)('%s', (_name, call) => {
    it.each(wrong)('fails with NotAuthorizedException when SECRET_HASH is %s', async (_how, hashFor) => {
      expect(await outcomeOf(call(hashFor))).toMatchObject({ name: 'NotAuthorizedException' });
    });

    it('control: succeeds with the right SECRET_HASH', async () => {
      expect(await outcomeOf(call((username) => secretHash(username)))).toBe('ok');
    });
  });

  it('REFRESH_TOKEN_AUTH refuses a SECRET_HASH over the email: it must be over the internal username', async () => {
    const user = await newUser();
    const { RefreshToken } = await signIn(user.email);
    expect(user.username).not.toBe(user.email);
    expect(await outcomeOf(refresh(RefreshToken!, secretHash(user.email)))).toMatchObject({
      name: 'NotAuthorizedException',
    });
    expect(await outcomeOf(refresh(RefreshToken!, secretHash(user.username)))).toBe('ok');
  });
});

describe('user existence and state errors', () => {
  it('the bootstrapped client has PreventUserExistenceErrors ENABLED', async () => {
    const { UserPoolClient } = await stack.sdk.send(
      new DescribeUserPoolClientCommand({ UserPoolId: stack.cognito.userPoolId, ClientId: client.id }),
    );
    expect(UserPoolClient?.PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('a wrong password and an unknown user get the same NotAuthorizedException with the same message', async () => {
    const { email } = await newUser();
    const wrongPassword = await outcomeOf(passwordSignIn(email, secretHash(email), 'Wrong-horse-9'));
    const unknown = await outcomeOf(passwordSignIn('nobody@example.com', secretHash('nobody@example.com')));
    expect(wrongPassword).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(unknown).toEqual(wrongPassword);
  });

  it('CUSTOM_AUTH for an unknown user gets that same NotAuthorizedException', async () => {
    const unknown = await outcomeOf(
      initiate('CUSTOM_AUTH', { USERNAME: 'nobody@example.com', SECRET_HASH: secretHash('nobody@example.com') }),
    );
    expect(unknown).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  describe('a disabled user gets NotAuthorizedException "User is disabled."', () => {
    it.each<[string, (user: { email: string; username: string }, refreshToken: string) => Promise<unknown>]>([
      ['on USER_PASSWORD_AUTH with the right password', (user) => passwordSignIn(user.email, secretHash(user.email))],
      [
        'on CUSTOM_AUTH',
        (user) => initiate('CUSTOM_AUTH', { USERNAME: user.email, SECRET_HASH: secretHash(user.email) }),
      ],
      [
        'on REFRESH_TOKEN_AUTH with a refresh token from before',
        (user, token) => refresh(token, secretHash(user.username)),
      ],
    ])('%s', async (_name, call) => {
      const user = await newUser();
      const { RefreshToken } = await signIn(user.email);
      await stack.sdk.send(new AdminDisableUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: user.email }));
      expect(await outcomeOf(call(user, RefreshToken!))).toEqual({
        name: 'NotAuthorizedException',
        message: 'User is disabled.',
      });
    });
  });
});

describe('auth flows not in the client ExplicitAuthFlows are refused with InvalidParameterException', () => {
  let passwordOnly: Client;
  beforeAll(async () => {
    const { UserPoolClient } = await stack.sdk.send(
      new CreateUserPoolClientCommand({
        UserPoolId: stack.cognito.userPoolId,
        ClientName: 'password-only',
        GenerateSecret: true,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    passwordOnly = { id: UserPoolClient!.ClientId!, secret: UserPoolClient!.ClientSecret! };
  });

  it('CUSTOM_AUTH on a client without ALLOW_CUSTOM_AUTH (control: its USER_PASSWORD_AUTH works)', async () => {
    const { email } = await newUser();
    const custom = initiate(
      'CUSTOM_AUTH',
      { USERNAME: email, SECRET_HASH: secretHash(email, passwordOnly) },
      passwordOnly,
    );
    expect(await outcomeOf(custom)).toMatchObject({ name: 'InvalidParameterException' });
    const control = initiate(
      'USER_PASSWORD_AUTH',
      { USERNAME: email, PASSWORD: password, SECRET_HASH: secretHash(email, passwordOnly) },
      passwordOnly,
    );
    expect(await outcomeOf(control)).toBe('ok');
  });

  it('USER_SRP_AUTH on the app client, which allows only custom, password and refresh flows', async () => {
    const { email } = await newUser();
    const srp = initiate('USER_SRP_AUTH', { USERNAME: email, SRP_A: 'ab'.repeat(192), SECRET_HASH: secretHash(email) });
    expect(await outcomeOf(srp)).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('ADMIN_USER_PASSWORD_AUTH on the app client, which does not allow it', async () => {
    const { email } = await newUser();
    const admin = stack.sdk.send(
      new AdminInitiateAuthCommand({
        UserPoolId: stack.cognito.userPoolId,
        ClientId: client.id,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: secretHash(email) },
      }),
    );
    expect(await outcomeOf(admin)).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('sign-out and revocation make the refresh token fail afterwards', () => {
  type Tokens = AuthenticationResultType;
  const revocations: [string, (tokens: Tokens, email: string) => Promise<unknown>, boolean][] = [
    [
      'GlobalSignOut with the access token revokes every session of the user',
      (tokens) => stack.sdk.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken })),
      true,
    ],
    [
      'AdminUserGlobalSignOut revokes every session of the user',
      (_tokens, email) =>
        stack.sdk.send(new AdminUserGlobalSignOutCommand({ UserPoolId: stack.cognito.userPoolId, Username: email })),
      true,
    ],
    [
      'RevokeToken with ClientId and ClientSecret revokes that refresh token only',
      (tokens) =>
        stack.sdk.send(
          new RevokeTokenCommand({ Token: tokens.RefreshToken, ClientId: client.id, ClientSecret: client.secret }),
        ),
      false,
    ],
  ];

  it.each(revocations)('%s (control: it refreshed before)', async (_how, revoke, otherSessionsToo) => {
    const user = await newUser();
    const [session, otherSession] = [await signIn(user.email), await signIn(user.email)];
    const refreshes = (tokens: Tokens) => outcomeOf(refresh(tokens.RefreshToken!, secretHash(user.username)));
    expect(await refreshes(session)).toBe('ok');

    await revoke(session, user.email);
    expect(await refreshes(session)).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await refreshes(otherSession)).toEqual(
      otherSessionsToo ? expect.objectContaining({ name: 'NotAuthorizedException' }) : 'ok',
    );
  });

  /** Every kind of call that takes only an access token: read, write, delete, password, sign-out. */
  const accessTokenCalls: [string, (accessToken: string) => Promise<unknown>][] = [
    ['GetUser', (AccessToken) => stack.sdk.send(new GetUserCommand({ AccessToken }))],
    [
      'UpdateUserAttributes',
      (AccessToken) =>
        stack.sdk.send(
          new UpdateUserAttributesCommand({
            AccessToken,
            UserAttributes: [{ Name: 'custom:hasPasskey', Value: 'true' }],
          }),
        ),
    ],
    [
      'DeleteUserAttributes',
      (AccessToken) =>
        stack.sdk.send(new DeleteUserAttributesCommand({ AccessToken, UserAttributeNames: ['custom:hasPasskey'] })),
    ],
    [
      'ChangePassword',
      (AccessToken) =>
        stack.sdk.send(
          new ChangePasswordCommand({ AccessToken, PreviousPassword: password, ProposedPassword: 'Changed-horse-9' }),
        ),
    ],
    ['GlobalSignOut', (AccessToken) => stack.sdk.send(new GlobalSignOutCommand({ AccessToken }))],
  ];
  const REVOKED = { name: 'NotAuthorizedException', message: 'Access Token has been revoked' };

  it.each(revocations)(
    '%s: its access tokens are refused as revoked by every access-token call (control: served before)',
    async (_how, revoke, otherSessionsToo) => {
      const user = await newUser();
      const [session, otherSession] = [await signIn(user.email), await signIn(user.email)];
      expect(await outcomeOf(stack.sdk.send(new GetUserCommand({ AccessToken: session.AccessToken })))).toBe('ok');

      await revoke(session, user.email);
      const outcomes = Object.fromEntries(
        await Promise.all(
          accessTokenCalls.map(async ([name, call]) => [name, await outcomeOf(call(session.AccessToken!))] as const),
        ),
      );
      expect(outcomes).toEqual(Object.fromEntries(accessTokenCalls.map(([name]) => [name, REVOKED])));
      // Nothing was changed by the refused calls.
      const admin = await stack.sdk.send(
        new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: user.email }),
      );
      expect(admin.UserAttributes?.find((a) => a.Name === 'custom:hasPasskey')).toBeUndefined();
      expect(await outcomeOf(passwordSignIn(user.email, secretHash(user.email)))).toBe('ok');

      const other = await outcomeOf(stack.sdk.send(new GetUserCommand({ AccessToken: otherSession.AccessToken })));
      expect(other).toEqual(otherSessionsToo ? REVOKED : 'ok');
    },
  );

  it('a new sign-in after GlobalSignOut gets access tokens that work', async () => {
    const user = await newUser();
    const before = await signIn(user.email);
    await stack.sdk.send(new GlobalSignOutCommand({ AccessToken: before.AccessToken }));
    const after = await signIn(user.email);
    expect(await outcomeOf(stack.sdk.send(new GetUserCommand({ AccessToken: after.AccessToken })))).toBe('ok');
    const refreshed = await refresh(after.RefreshToken!, secretHash(user.username));
    const token = refreshed.AuthenticationResult!.AccessToken;
    expect(await outcomeOf(stack.sdk.send(new GetUserCommand({ AccessToken: token })))).toBe('ok');
  });

  it('RevokeToken with a wrong ClientSecret fails and the refresh token keeps working', async () => {
    const user = await newUser();
    const { RefreshToken } = await signIn(user.email);
    const revoke = stack.sdk.send(
      new RevokeTokenCommand({ Token: RefreshToken, ClientId: client.id, ClientSecret: 'not-the-secret' }),
    );
    expect(await outcomeOf(revoke)).not.toBe('ok');
    expect(await outcomeOf(refresh(RefreshToken!, secretHash(user.username)))).toBe('ok');
  });
});

describe('tokens look and verify like Cognito tokens', () => {
  let user: { email: string; username: string };
  let tokens: AuthenticationResultType;
  const issuer = () => `${stack.cognito.endpoint}/${stack.cognito.userPoolId}`;
  const jwks = () => createRemoteJWKSet(new URL(`${issuer()}/.well-known/jwks.json`));
  beforeAll(async () => {
    user = await newUser();
    tokens = await signIn(user.email);
  });

  it('the ID token verifies against the pool JWKS with RS256, iss = endpoint/poolId, aud = client id, token_use id', async () => {
    expect(decodeProtectedHeader(tokens.IdToken!).alg).toBe('RS256');
    const { payload } = await jwtVerify(tokens.IdToken!, jwks(), {
      algorithms: ['RS256'],
      issuer: issuer(),
      audience: client.id,
    });
    expect(payload).toMatchObject({
      token_use: 'id',
      email: user.email,
      'cognito:username': user.username,
      sub: expect.any(String),
    });
  });

  it('the access token verifies against the pool JWKS with RS256, iss = endpoint/poolId, client_id = client id, token_use access', async () => {
    const { payload } = await jwtVerify(tokens.AccessToken!, jwks(), { algorithms: ['RS256'], issuer: issuer() });
    expect(payload).toMatchObject({ token_use: 'access', client_id: client.id, username: user.username });
  });

  it('tokens are signed with a key of this data folder, not the key shipped inside cognito-local', async () => {
    const shipped = JSON.parse(
      readFileSync(require.resolve('cognito-local/lib/keys/cognitoLocal.public.json'), 'utf8'),
    );
    const served = (await (await fetch(`${issuer()}/.well-known/jwks.json`)).json()) as {
      keys: { n: string; kty: string }[];
    };
    expect(served.keys.length).toBeGreaterThan(0);
    for (const key of served.keys) expect(key.n).not.toBe(shipped.n);
  });

  it('the refresh token is about 1.8 KB, shaped like a real (encrypted JWT) Cognito refresh token', () => {
    expect(tokens.RefreshToken!.length).toBeGreaterThanOrEqual(1700);
    expect(tokens.RefreshToken!.length).toBeLessThanOrEqual(1900);
    expect(tokens.RefreshToken!.split('.')).toHaveLength(5);
  });
});

describe('the bootstrapped pool', () => {
  it('has email as username, the custom:createdByCorbado attribute and the three custom-auth Lambda triggers', async () => {
    const { UserPool } = await stack.sdk.send(new DescribeUserPoolCommand({ UserPoolId: stack.cognito.userPoolId }));
    expect(UserPool?.UsernameAttributes).toEqual(['email']);
    expect(UserPool?.SchemaAttributes).toContainEqual(
      expect.objectContaining({ Name: 'custom:createdByCorbado', AttributeDataType: 'String', Mutable: true }),
    );
    expect(UserPool?.LambdaConfig).toMatchObject({
      DefineAuthChallenge: TRIGGER_ARNS.DefineAuthChallenge,
      CreateAuthChallenge: TRIGGER_ARNS.CreateAuthChallenge,
      VerifyAuthChallengeResponse: TRIGGER_ARNS.VerifyAuthChallengeResponse,
    });
  });

  it('restarting the emulator on the same data folder keeps the pool, the client, the users and the refresh tokens', async () => {
    const first = await startTestCognito();
    const { cognito } = first;
    const email = 'kept@example.com';
    await addPasswordUser(first, email, password);
    const before = await first.sdk.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
    const signedIn = await first.sdk.send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: {
          USERNAME: email,
          PASSWORD: password,
          SECRET_HASH: hmac(cognito.clientSecret, email, cognito.clientId),
        },
      }),
    );
    await cognito.close();

    const second = await restartTestCognito(first);
    const { cognito: restarted, sdk } = second;
    try {
      expect(restarted.endpoint).not.toBe(cognito.endpoint);
      expect(restarted).toMatchObject({
        userPoolId: cognito.userPoolId,
        clientId: cognito.clientId,
        clientSecret: cognito.clientSecret,
      });
      const after = await sdk.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
      expect(after.Username).toBe(before.Username);
      expect(after.UserStatus).toBe('CONFIRMED');
      const refreshed = await sdk.send(
        new InitiateAuthCommand({
          ClientId: cognito.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: {
            REFRESH_TOKEN: signedIn.AuthenticationResult!.RefreshToken!,
            SECRET_HASH: hmac(cognito.clientSecret, before.Username!, cognito.clientId),
          },
        }),
      );
      expect(refreshed.AuthenticationResult?.IdToken).toBeTruthy();
    } finally {
      await second.stop();
    }
  });
});
