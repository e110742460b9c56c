import { createHmac } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  type AdminGetUserCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCognito, applyAppEnvironment, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Passwordless users in Cognito: provisioned once, confirmed, marked as Corbado's, repaired when
 * an earlier attempt was cut short, never touched when they are someone else's half-made user,
 * and signed in through CUSTOM_AUTH at a fixed, small number of Cognito calls.
 */

type Users = typeof import('../../lib/cognito/users');
type Pipeline = typeof import('../../lib/sign-in/pipeline');

let stack: TestCognito;
let users: Users;
let pipeline: Pipeline;
let seq = 0;

beforeAll(async () => {
  stack = await startTestCognito();
  applyAppEnvironment(stack.env);
  users = await import('../../lib/cognito/users');
  pipeline = await import('../../lib/sign-in/pipeline');
});
afterAll(async () => {
  await stack?.stop();
});

const freshEmail = (label: string) => `${label}-${++seq}@example.com`;
/** A sign-in whose proof also covers users the app did not create (as an email code does). */
const passkeySignIn = (email: string, app: Pipeline = pipeline) =>
  app.signInVerifiedIdentity({ email, method: 'passkey', mayUseExistingUser: async () => true });

function getUser(email: string): Promise<AdminGetUserCommandOutput> {
  return stack.sdk.send(new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: email }));
}

const attributesOf = (user: AdminGetUserCommandOutput) =>
  Object.fromEntries((user.UserAttributes ?? []).map(({ Name, Value }) => [Name!, Value]));

/** Everything about a user that a change would touch. */
async function snapshot(email: string) {
  const { Username, UserStatus, Enabled, UserLastModifiedDate, UserAttributes } = await getUser(email);
  return { Username, UserStatus, Enabled, UserLastModifiedDate, UserAttributes };
}

async function usersWithEmail(email: string) {
  const { Users } = await stack.sdk.send(
    new ListUsersCommand({ UserPoolId: stack.cognito.userPoolId, Filter: `email = "${email}"` }),
  );
  return Users ?? [];
}

/** The Cognito operations `run` caused, by name. */
async function callsDuring(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = new Map(stack.cognito.calls);
  await run();
  const made: Record<string, number> = {};
  for (const [operation, count] of stack.cognito.calls) {
    const delta = count - (before.get(operation) ?? 0);
    if (delta > 0) made[operation] = delta;
  }
  return made;
}
const total = (calls: Record<string, number>) => Object.values(calls).reduce((sum, n) => sum + n, 0);

/** A user AdminCreateUser made and nobody confirmed, as an interrupted provisioning (or an admin) leaves it. */
async function createUnconfirmedUser(email: string, temporaryPassword: string, createdByCorbado: boolean) {
  await stack.sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: stack.cognito.userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: temporaryPassword,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
        ...(createdByCorbado ? [{ Name: 'custom:createdByCorbado', Value: 'true' }] : []),
      ],
    }),
  );
}

const disable = (email: string) =>
  stack.sdk.send(new AdminDisableUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: email }));

describe('provisionPasswordlessUser', () => {
  it('creates a CONFIRMED user with email, email_verified=true and custom:createdByCorbado=true; a second call changes nothing', async () => {
    const email = freshEmail('new');
    await users.provisionPasswordlessUser(email);
    const user = await getUser(email);
    expect(user.UserStatus).toBe('CONFIRMED');
    expect(user.Enabled).toBe(true);
    expect(attributesOf(user)).toMatchObject({ email, email_verified: 'true', 'custom:createdByCorbado': 'true' });

    const before = await snapshot(email);
    const made = await callsDuring(() => users.provisionPasswordlessUser(email));
    expect(made).toEqual({ AdminCreateUser: 1, AdminGetUser: 1 });
    expect(await snapshot(email)).toEqual(before);
    expect(await usersWithEmail(email)).toHaveLength(1);
  });

  it('generates passwords that meet the strictest Cognito policy: at least 99 characters, all four character classes', () => {
    // Cognito's symbol set; the length cap is Cognito's maximum password length.
    const symbol = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;
    const passwords = Array.from({ length: 1000 }, () => users.generateUnusablePassword());
    for (const password of passwords) {
      expect(password.length).toBeGreaterThanOrEqual(99);
      expect(password.length).toBeLessThanOrEqual(256);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(symbol);
      expect(password).toMatch(/^[A-Za-z0-9^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]+$/);
    }
    expect(new Set(passwords).size).toBe(passwords.length);
  });
});

describe('signInVerifiedIdentity', () => {
  it('50 concurrent first sign-ins of one email all succeed and make exactly one user', async () => {
    const email = freshEmail('crowd');
    const results = await Promise.all(Array.from({ length: 50 }, () => passkeySignIn(email)));
    const subs = new Set(results.map((result) => result.user.sub));
    expect(subs.size).toBe(1);
    for (const result of results) {
      expect(result.user.email).toBe(email);
      expect(result.cookies).toHaveLength(3);
    }
    const made = await usersWithEmail(email);
    expect(made).toHaveLength(1);
    expect(made[0]!.UserStatus).toBe('CONFIRMED');
  });

  it('two app instances (separate module copies, so no shared single-flight) racing for one email both reach AdminCreateUser and still make exactly one confirmed user', async () => {
    // Two server instances share nothing but Cognito. vi.resetModules gives a second, independent
    // copy of lib/ (its own config, SDK client and in-flight map), so provisionPasswordlessUser
    // in one copy cannot see the other's pending call: the race is decided at Cognito, where
    // AdminCreateUser lets one win and the other must see UsernameExists and repair or accept.
    vi.resetModules();
    const other = (await import('../../lib/sign-in/pipeline')) as Pipeline;
    const otherUsers = (await import('../../lib/cognito/users')) as Users;
    expect(otherUsers.provisionPasswordlessUser).not.toBe(users.provisionPasswordlessUser);

    const provisioned = freshEmail('race');
    const made = await callsDuring(() =>
      Promise.all([users.provisionPasswordlessUser(provisioned), otherUsers.provisionPasswordlessUser(provisioned)]),
    );
    expect(made.AdminCreateUser).toBe(2);
    expect(await usersWithEmail(provisioned)).toHaveLength(1);
    expect((await getUser(provisioned)).UserStatus).toBe('CONFIRMED');

    const signedIn = freshEmail('race-sign-in');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => passkeySignIn(signedIn, i % 2 === 0 ? pipeline : other)),
    );
    expect(new Set(results.map((result) => result.user.sub)).size).toBe(1);
    expect(await usersWithEmail(signedIn)).toHaveLength(1);
    expect((await getUser(signedIn)).UserStatus).toBe('CONFIRMED');
  });

  it('repairs a Corbado user left in FORCE_CHANGE_PASSWORD to CONFIRMED on the next sign-in, which succeeds', async () => {
    const email = freshEmail('half-made');
    await createUnconfirmedUser(email, 'Temporary-pass-1', true);
    const before = await getUser(email);
    expect(before.UserStatus).toBe('FORCE_CHANGE_PASSWORD');

    const result = await passkeySignIn(email);
    expect(result.user.email).toBe(email);
    const after = await getUser(email);
    expect(after.UserStatus).toBe('CONFIRMED');
    expect(after.Username).toBe(before.Username);
  });

  it('leaves a FORCE_CHANGE_PASSWORD user not created by Corbado untouched: sign-in refused with password_change_required, password unchanged', async () => {
    const email = freshEmail('admin-made');
    const temporaryPassword = 'Temporary-pass-1';
    await createUnconfirmedUser(email, temporaryPassword, false);
    const before = await snapshot(email);

    const made = await callsDuring(() =>
      expect(passkeySignIn(email)).rejects.toMatchObject({ name: 'AppError', code: 'password_change_required' }),
    );
    expect(made.AdminSetUserPassword).toBeUndefined();
    expect(await snapshot(email)).toEqual(before);
    // The temporary password the admin handed out still works, and still asks for a new one.
    const { cognito } = stack;
    const stillTemporary = await stack.sdk.send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: {
          USERNAME: email,
          PASSWORD: temporaryPassword,
          SECRET_HASH: createHmac('sha256', cognito.clientSecret)
            .update(email + cognito.clientId)
            .digest('base64'),
        },
      }),
    );
    expect(stillTemporary.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
  });

  it('costs a returning user exactly 2 Cognito calls: AdminInitiateAuth and AdminRespondToAuthChallenge', async () => {
    const email = freshEmail('returning');
    await users.provisionPasswordlessUser(email);
    const made = await callsDuring(() => passkeySignIn(email));
    expect(made).toEqual({ AdminInitiateAuth: 1, AdminRespondToAuthChallenge: 1 });
  });

  it('costs a new user at most 5 Cognito calls, provisioning included', async () => {
    const email = freshEmail('first-time');
    const made = await callsDuring(() => passkeySignIn(email));
    expect(made.AdminCreateUser).toBe(1);
    expect(total(made)).toBeLessThanOrEqual(5);
  });

  it.each([
    ['a Corbado-created user', (email: string) => users.provisionPasswordlessUser(email)],
    ['a password user', (email: string) => addPasswordUser(stack, email, 'Correct-horse-9')],
  ])('refuses %s who is disabled with account_blocked and changes nothing', async (_kind, create) => {
    const email = freshEmail('blocked');
    await create(email);
    await disable(email);
    const before = await snapshot(email);

    const made = await callsDuring(() =>
      expect(passkeySignIn(email)).rejects.toMatchObject({ name: 'AppError', code: 'account_blocked' }),
    );
    expect(made).toEqual({ AdminInitiateAuth: 1 });
    expect(await snapshot(email)).toEqual(before);
  });
});

describe('account takeover guard: a proof that does not cover existing users', () => {
  const newPasskeyProof = (email: string) => ({
    email,
    method: 'passkey' as const,
    mayUseExistingUser: vi.fn(async () => false),
  });

  it('refuses to sign in to an existing password user with account_exists, issuing no tokens and changing nothing', async () => {
    const email = freshEmail('password-owner');
    await addPasswordUser(stack, email, 'Correct-horse-9');
    const before = await snapshot(email);
    const identity = newPasskeyProof(email);

    const made = await callsDuring(() =>
      expect(pipeline.signInVerifiedIdentity(identity)).rejects.toMatchObject({
        name: 'AppError',
        code: 'account_exists',
      }),
    );
    expect(made).toEqual({ AdminInitiateAuth: 1 });
    expect(identity.mayUseExistingUser).toHaveBeenCalledTimes(1);
    expect(await snapshot(email)).toEqual(before);
  });

  it('asks about users the app created too: an email alone does not open an account provisioned for someone else', async () => {
    const provisioned = freshEmail('corbado-made');
    await users.provisionPasswordlessUser(provisioned);
    const before = await snapshot(provisioned);
    const stranger = newPasskeyProof(provisioned);
    await expect(pipeline.signInVerifiedIdentity(stranger)).rejects.toMatchObject({
      name: 'AppError',
      code: 'account_exists',
    });
    expect(stranger.mayUseExistingUser).toHaveBeenCalledWith(
      expect.objectContaining({ createdByCorbado: true, corbadoUserId: null }),
    );
    expect(await snapshot(provisioned)).toEqual(before);

    const owner = { ...newPasskeyProof(provisioned), mayUseExistingUser: vi.fn(async () => true) };
    await expect(pipeline.signInVerifiedIdentity(owner)).resolves.toMatchObject({ user: { email: provisioned } });
  });

  it('asks about a user it has just provisioned too (another identity may have made it at that moment), with the link it recorded', async () => {
    const email = freshEmail('brand-new');
    const identity = {
      ...newPasskeyProof(email),
      corbadoUserId: 'usr-9100000000000000001',
      mayUseExistingUser: vi.fn(async () => true),
    };
    await expect(pipeline.signInVerifiedIdentity(identity)).resolves.toMatchObject({ user: { email } });
    expect(identity.mayUseExistingUser).toHaveBeenCalledTimes(1);
    expect(identity.mayUseExistingUser).toHaveBeenCalledWith(
      expect.objectContaining({ createdByCorbado: true, corbadoUserId: 'usr-9100000000000000001' }),
    );
  });
});

describe('existingUserStatus (the webhook authMethods answer)', () => {
  it.each([
    ['exists', 'a password user', (email: string) => addPasswordUser(stack, email, 'Correct-horse-9')],
    ['not_exists', 'an unknown email', async () => undefined],
    ['not_exists', 'a user Corbado created', (email: string) => users.provisionPasswordlessUser(email)],
    [
      'blocked',
      'a disabled password user',
      async (email: string) => {
        await addPasswordUser(stack, email, 'Correct-horse-9');
        await disable(email);
      },
    ],
    [
      'blocked',
      'a disabled user Corbado created',
      async (email: string) => {
        await users.provisionPasswordlessUser(email);
        await disable(email);
      },
    ],
  ])('answers %s for %s', async (expected, _kind, arrange) => {
    const email = freshEmail('status');
    await arrange(email);
    expect(await users.existingUserStatus(email)).toBe(expected);
  });
});

describe('a burst of Cognito calls from one app instance', () => {
  it('200 lookups at once, while each Cognito answer takes 1.2 s, all succeed in one attempt each: none waits past its budget for a pooled connection', async () => {
    stack.cognito.faults.inject({ operation: 'AdminGetUser', fault: { kind: 'slow', ms: 1_200 } });
    try {
      const startedAt = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => users.existingUserStatus(`burst-${i}@example.com`)),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(results.map((result) => (result as PromiseFulfilledResult<string>).value)).toEqual(
        Array(200).fill('not_exists'),
      );
      const attempts = stack.cognito.faults.arrivals('AdminGetUser').filter((arrival) => arrival.at >= startedAt);
      expect(attempts).toHaveLength(200);
      expect(new Set(attempts.map((arrival) => arrival.sdkAttempt))).toEqual(new Set(['attempt=1; max=3']));
    } finally {
      stack.cognito.faults.clear();
    }
  });
});
