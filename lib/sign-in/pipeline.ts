import 'server-only';
import { revokeRefreshToken, startCustomAuthSession, type ChallengedUser } from '../cognito/custom-auth';
import { provisionPasswordlessUser } from '../cognito/users';
import { AppError } from '../errors';
import { audit } from '../telemetry/audit';
import { log } from '../telemetry/log';
import { withEmailCode } from '../email/codes';
import { checkPasswordUnderLockout } from './password';
import { clearedCookies, type CookieReader, type CookieToSet } from '../session/cookies';
import { createSessionCookies, sessionRefreshToken, type SignedIn, type SignInMethod } from '../session/session';
import { recordSignIn } from '../telemetry/sign-in';
import { traced } from '../telemetry/tracing';

/**
 * The one pipeline every sign-in runs through, whichever passkey layer proved the identity:
 *
 *   verified identity ──▶ Cognito user (found, or provisioned) ──▶ Cognito tokens ──▶ sealed cookies
 */

export interface VerifiedIdentity {
  /** Already normalized (see normalizeEmail) and verified by the passkey layer. */
  email: string;
  method: Exclude<SignInMethod, 'password'>;
  /**
   * May this proof sign in to this existing Cognito user? Asked for every user found, before
   * any token is issued: a password user from before passkeys, or one the app provisioned
   * (`createdByCorbado`), perhaps for another identity, even one provisioned a moment ago (a
   * concurrent sign-in may have made it). An email code proves the address; an unverified
   * Corbado email does not. Gets the user as Cognito's challenge describes it (e.g. its Corbado
   * link).
   */
  mayUseExistingUser(user: ChallengedUser): Promise<boolean>;
  /** Corbado Complete: the Corbado user, recorded on a user provisioned for it. */
  corbadoUserId?: string;
}

/**
 * Signs in an identity the app has verified. A returning user costs 2 Cognito calls
 * (CUSTOM_AUTH and its signed answer); a new one is provisioned first (at most 5 in all).
 */
/** The pipeline's steps, each a span under the sign-in's own (lib/telemetry/sign-in.ts). */
const customAuth = traced('sign_in.custom_auth', startCustomAuthSession);
const provision = traced('sign_in.provision', provisionPasswordlessUser);
const sealSession = traced('sign_in.session', createSessionCookies);

/**
 * Why a sign-in that must not provision found no Cognito user: the `cause` of its
 * passkey_rejected (the self-hosted layer then removes the orphaned passkey).
 */
export const USER_GONE = new Error('the Cognito user no longer exists');

export async function signInVerifiedIdentity(
  identity: VerifiedIdentity,
  options = { provision: true },
): Promise<SignedIn> {
  const authorize = async (user: ChallengedUser) => {
    if (!(await identity.mayUseExistingUser(user))) {
      log.warn('sign_in_refused_existing_user', { method: identity.method });
      throw new AppError('account_exists');
    }
  };
  let attempt = await customAuth(identity.email, authorize);
  if (attempt.outcome === 'user_not_found' && !options.provision)
    throw new AppError('passkey_rejected', undefined, { cause: USER_GONE });
  if (attempt.outcome !== 'signed_in') {
    await provision(identity.email, { corbadoUserId: identity.corbadoUserId });
    attempt = await customAuth(identity.email, authorize);
  }
  if (attempt.outcome === 'incomplete_user') throw new AppError('password_change_required');
  if (attempt.outcome === 'user_not_found') {
    throw new AppError('internal', undefined, { cause: new Error('user missing right after provisioning') });
  }
  const signedIn = await sealSession(attempt.tokens, identity.method);
  audit('sign_in', { method: identity.method, sub: signedIn.user.sub });
  return signedIn;
}

/**
 * Signs in a Cognito user the app already knows by its username, and never provisions one:
 * Corbado Connect proves a passkey of an existing user (Connect creates no users). 2 Cognito
 * calls. The user must be exactly that one: a name that Cognito resolves to another user (an
 * email alias, say) leaves the challenge unanswered, and no tokens are issued.
 */
export async function signInExistingUser(
  username: string,
  method: Exclude<SignInMethod, 'password'>,
): Promise<SignedIn> {
  const attempt = await customAuth(username, async (user) => {
    if (user.username !== username) {
      log.warn('sign_in_refused_other_user', { method });
      throw new AppError('passkey_rejected');
    }
  });
  if (attempt.outcome === 'user_not_found') throw new AppError('passkey_rejected');
  if (attempt.outcome === 'incomplete_user') throw new AppError('password_change_required');
  const signedIn = await sealSession(attempt.tokens, method);
  audit('sign_in', { method, sub: signedIn.user.sub });
  return signedIn;
}

/**
 * One-time email codes prove the address, so they may sign in to any account with that email.
 * The code store decides what becomes of the code (withEmailCode).
 */
export const signInWithEmailCode = (email: string, code: unknown) =>
  recordSignIn('email_code', () =>
    withEmailCode(email, code, () =>
      signInVerifiedIdentity({ email, method: 'email_code', mayUseExistingUser: async () => true }),
    ),
  );

const PASSWORD_TRIES_PER_ADDRESS = { name: 'password:address', limit: 50, windowSeconds: 15 * 60 };

/**
 * Existing Cognito password users: email and password checked by Cognito itself. At most 10
 * wrong passwords per account (lib/sign-in/password.ts) and 50 tries per client address every 15
 * minutes; after that even the right password waits (429 with Retry-After).
 */
export const signInWithPasswordCredentials = (email: string, password: string, clientAddress: string) =>
  recordSignIn('password', () => passwordSignIn(email, password, clientAddress));
async function passwordSignIn(email: string, password: string, clientAddress: string): Promise<SignedIn> {
  try {
    const tokens = await checkPasswordUnderLockout(email, password, {
      rule: PASSWORD_TRIES_PER_ADDRESS,
      key: clientAddress,
    });
    const signedIn = await sealSession(tokens, 'password');
    audit('sign_in', { method: 'password', sub: signedIn.user.sub });
    return signedIn;
  } catch (error) {
    if (error instanceof AppError) audit('sign_in_failed', { method: 'password', reason: error.code });
    throw error;
  }
}

/** Revokes the session's refresh token (and the access tokens issued from it) and clears the cookies. */
export async function signOut(cookies: CookieReader): Promise<{ revoked: boolean; cookies: CookieToSet[] }> {
  const refreshToken = await sessionRefreshToken(cookies);
  let revoked = false;
  if (refreshToken) {
    try {
      await revokeRefreshToken(refreshToken);
      revoked = true;
    } catch (error) {
      // The user still leaves: the cookies go regardless, and the failure is logged.
      log.error('sign_out_revoke_failed', { error });
    }
  }
  audit('sign_out', { revoked });
  return { revoked, cookies: clearedCookies() };
}
