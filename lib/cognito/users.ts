import 'server-only';
import { randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { getConfig } from '../config';
import { cognitoClient } from './client';
import { cognitoErrorName, unexpectedCognitoError } from './errors';

export const CREATED_BY_CORBADO = 'custom:createdByCorbado';
/** The Corbado user that may sign in to a Cognito user without a fresh check (lib/layers/corbado-complete/account-link.ts). */
export const CORBADO_USER_ID = 'custom:corbadoUserId';
/** Set by Corbado Connect's post-append Action: the user has a passkey at Corbado. */
export const HAS_PASSKEY = 'custom:hasPasskey';
/** Set when the user chose "Don't ask again" on the passkey offer after a sign-in. */
export const SKIP_PASSKEY_OFFER = 'custom:skipPasskeyOffer';

export interface CognitoUser {
  /** The pool's internal username (a UUID in email-as-username pools). */
  username: string;
  email: string;
  enabled: boolean;
  /** CONFIRMED, FORCE_CHANGE_PASSWORD, UNCONFIRMED, RESET_REQUIRED... */
  status: string;
  createdByCorbado: boolean;
  /** The user chose "Don't ask again" on the passkey offer after a sign-in. */
  skipsPasskeyOffer: boolean;
}

/** What the Corbado webhook's authMethods answers for an email. */
export type ExistingUserStatus = 'exists' | 'not_exists' | 'blocked';

/**
 * A password nobody ever sees, for users who sign in without one: 600 bits from the CSPRNG
 * plus one character of each class, 104 characters, so it meets any Cognito password policy
 * (whose minimum length is at most 99).
 */
export function generateUnusablePassword(): string {
  return `${randomBytes(75).toString('base64url')}aA1!`;
}

function attribute(attributes: AttributeType[] | undefined, name: string): string | undefined {
  return attributes?.find((a) => a.Name === name)?.Value;
}

export async function findUserByEmail(email: string): Promise<CognitoUser | null> {
  try {
    const user = await cognitoClient().send(
      new AdminGetUserCommand({ UserPoolId: getConfig().cognito.userPoolId, Username: email }),
    );
    return {
      username: user.Username!,
      email: attribute(user.UserAttributes, 'email') ?? email,
      enabled: user.Enabled !== false,
      status: user.UserStatus ?? 'UNKNOWN',
      createdByCorbado: attribute(user.UserAttributes, CREATED_BY_CORBADO) === 'true',
      skipsPasskeyOffer: attribute(user.UserAttributes, SKIP_PASSKEY_OFFER) === 'true',
    };
  } catch (error) {
    if (cognitoErrorName(error) === 'UserNotFoundException') return null;
    throw unexpectedCognitoError('AdminGetUser', error);
  }
}

/** The user whose pool username is exactly `username` (not an alias naming another user), or null. */
export async function findUserByUsername(username: string): Promise<CognitoUser | null> {
  const user = await findUserByEmail(username);
  return user?.username === username ? user : null;
}

/** Records on the user that they have a passkey (Corbado Connect's post-append Action). */
export function markUserHasPasskey(username: string): Promise<void> {
  return setFlag(username, HAS_PASSKEY, true);
}

/**
 * Records "Don't ask again" (or asking again) for the passkey offer on the user in Cognito, the
 * one user store: it holds in every browser and in every passkey mode.
 */
export function setSkipsPasskeyOffer(username: string, skips: boolean): Promise<void> {
  return setFlag(username, SKIP_PASSKEY_OFFER, skips);
}

async function setFlag(username: string, name: string, value: boolean): Promise<void> {
  try {
    await cognitoClient().send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: getConfig().cognito.userPoolId,
        Username: username,
        UserAttributes: [{ Name: name, Value: String(value) }],
      }),
    );
  } catch (error) {
    throw unexpectedCognitoError('AdminUpdateUserAttributes', error);
  }
}

/**
 * For Corbado's existing-user-base check: users Corbado provisioned are its own (not_exists),
 * disabled users are blocked, everyone else exists.
 */
export async function existingUserStatus(email: string): Promise<ExistingUserStatus> {
  const user = await findUserByEmail(email);
  if (!user) return 'not_exists';
  if (!user.enabled) return 'blocked';
  return user.createdByCorbado ? 'not_exists' : 'exists';
}

async function setPermanentPassword(email: string, password: string): Promise<void> {
  try {
    await cognitoClient().send(
      new AdminSetUserPasswordCommand({
        UserPoolId: getConfig().cognito.userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
  } catch (error) {
    throw unexpectedCognitoError('AdminSetUserPassword', error);
  }
}

async function createUser(
  email: string,
  attributes: AttributeType[],
  temporaryPassword: string,
): Promise<'created' | 'exists'> {
  try {
    await cognitoClient().send(
      new AdminCreateUserCommand({
        UserPoolId: getConfig().cognito.userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        TemporaryPassword: temporaryPassword,
        UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }, ...attributes],
      }),
    );
    return 'created';
  } catch (error) {
    if (cognitoErrorName(error) === 'UsernameExistsException') return 'exists';
    throw unexpectedCognitoError('AdminCreateUser', error);
  }
}

/**
 * Makes sure a confirmed passwordless Cognito user exists for a verified email: created with
 * the welcome message suppressed, email verified, `custom:createdByCorbado=true` and a random
 * password nobody sees, linked to the Corbado user it is made for, if any
 * (`custom:corbadoUserId`). Idempotent and race-safe: concurrent calls for one email (in this
 * process or across instances) end with exactly one confirmed user, and a user an earlier
 * failure left in FORCE_CHANGE_PASSWORD is repaired. An existing user is left as it is: the
 * caller's sign-in then decides whether this identity may use it.
 */
export function provisionPasswordlessUser(email: string, link: { corbadoUserId?: string } = {}): Promise<void> {
  let pending = inFlight.get(email);
  if (!pending) {
    pending = createOrRepairPasswordlessUser(email, link.corbadoUserId).finally(() => inFlight.delete(email));
    inFlight.set(email, pending);
  }
  return pending;
}

const inFlight = new Map<string, Promise<void>>();

async function createOrRepairPasswordlessUser(email: string, corbadoUserId: string | undefined): Promise<void> {
  const attributes = [
    { Name: CREATED_BY_CORBADO, Value: 'true' },
    ...(corbadoUserId ? [{ Name: CORBADO_USER_ID, Value: corbadoUserId }] : []),
  ];
  const outcome = await createUser(email, attributes, generateUnusablePassword());
  if (outcome === 'exists') {
    const user = await findUserByEmail(email);
    const halfMade = user?.createdByCorbado && user.status === 'FORCE_CHANGE_PASSWORD';
    if (!halfMade) return;
  }
  await setPermanentPassword(email, generateUnusablePassword());
}

/**
 * For `npm run users:add`: a confirmed user who signs in with this password. Cognito checks
 * the password policy at creation; if confirming fails, the new user is removed again.
 */
export async function createPasswordUser(email: string, password: string): Promise<'created' | 'exists'> {
  const outcome = await createUser(email, [], password);
  if (outcome === 'exists') return outcome;
  try {
    await setPermanentPassword(email, password);
  } catch (error) {
    await cognitoClient()
      .send(new AdminDeleteUserCommand({ UserPoolId: getConfig().cognito.userPoolId, Username: email }))
      .catch(() => undefined);
    throw error;
  }
  return outcome;
}
