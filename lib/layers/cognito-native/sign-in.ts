import 'server-only';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { CognitoTokens } from '../../cognito/custom-auth';
import { answerUserAuth, startUserAuth, type NativeChallengeStart } from '../../cognito/user-auth';
import { findUserByEmail, provisionPasswordlessUser } from '../../cognito/users';
import { AppError } from '../../errors';
import { enforceRateLimits } from '../../rate-limit';
import type { CookieReader, CookieToSet } from '../../session/cookies';
import { createSessionCookies, type SignedIn, type SignInMethod } from '../../session/session';
import { audit } from '../../telemetry/audit';
import { log } from '../../telemetry/log';
import { recordSignIn } from '../../telemetry/sign-in';
import { traced } from '../../telemetry/tracing';
import { clearedChallenge, openChallenge, sealChallenge } from './challenge-cookie';
import { credentialIdOf, recordNativePasskeyUse } from './details';
import { nativePasskeyOfferFor } from './passkeys';

/**
 * Cognito's own passkeys and email codes (USER_AUTH): the email comes first, since Cognito
 * needs USERNAME before any challenge (so no usernameless sign-in and no passkey autofill);
 * Cognito verifies the passkey or the code itself, and issues the tokens. No Lambda, no
 * Corbado, no passkey table. A returning passkey user costs 2 Cognito calls (AdminInitiateAuth +
 * AdminRespondToAuthChallenge); an email code 3 (AdminGetUser first); a new user, signing up
 * with an email code, 5 (AdminGetUser finds none, AdminCreateUser + AdminSetUserPassword
 * provision it as the other layers do, then the 2).
 *
 * Why Cognito's EMAIL_OTP and not the app's own code for sign-up: without CUSTOM_AUTH and its
 * Lambda triggers the app has no way to turn its own proof into Cognito tokens (it never knows
 * the provisioned user's password), while EMAIL_OTP is a USER_AUTH challenge Cognito answers
 * with tokens. Cognito sends the code only to a user that exists and whose email is verified,
 * so a new user is provisioned (email_verified=true, marked as created by the app) before the
 * code is sent; until they type it, nobody can sign in to that user.
 */

const NO_PASSKEY = 'There is no passkey for this email here. Continue with an email code, then create a passkey.';
const CODE_EXPIRED = 'That code has expired or was already used. Request a new code and try again.';
const WRONG_CODE = 'That code is wrong. Check the newest email from us and try again.';

/** The same rules as the app's own email codes (lib/email/codes.ts): sending is limited per email and per address. */
const SEND_PER_EMAIL = { name: 'native-email-code:email', limit: 5, windowSeconds: 15 * 60 };
const SEND_PER_ADDRESS = { name: 'native-email-code:address', limit: 20, windowSeconds: 15 * 60 };
const TRIES_PER_EMAIL = { name: 'native-email-code-tries:email', limit: 10, windowSeconds: 15 * 60 };
const PASSKEY_STARTS_PER_ADDRESS = { name: 'native-passkey:address', limit: 60, windowSeconds: 60 };

/** The pipeline's last steps, as for every layer: sealed cookies, audited, the span `sign_in.session`. */
const sealSession = traced('sign_in.session', createSessionCookies);
async function sessionFor(tokens: CognitoTokens, method: SignInMethod): Promise<SignedIn> {
  const signedIn = await sealSession(tokens, method);
  audit('sign_in', { method, sub: signedIn.user.sub });
  return signedIn;
}

/** A sign-in's outcome plus the cookie that ends (or keeps) the pending challenge. */
export interface NativeSignedIn extends SignedIn {
  challengeCookie: CookieToSet;
}

/**
 * Options for a passkey sign-in of `email` (Cognito's CREDENTIAL_REQUEST_OPTIONS), and the
 * sealed cookie that keeps Cognito's session for the answer. 1 Cognito call.
 */
export async function startNativePasskeySignIn(
  email: string,
  clientAddress: string,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; cookie: CookieToSet }> {
  await enforceRateLimits([{ rule: PASSKEY_STARTS_PER_ADDRESS, key: clientAddress }]);
  const start = await startUserAuth(email, 'WEB_AUTHN');
  // No user and no passkey get the same answer: the way on is the email code either way.
  if (start.outcome !== 'challenge') throw new AppError('passkey_rejected', NO_PASSKEY);
  const options = requestOptions(start);
  const cookie = await sealChallenge({
    email,
    username: start.username,
    challenge: 'WEB_AUTHN',
    session: start.session,
  });
  return { options, cookie };
}

/** Cognito's request options, checked to be what a browser can use. */
function requestOptions(start: Extract<NativeChallengeStart, { outcome: 'challenge' }>) {
  let options: unknown;
  try {
    options = JSON.parse(start.credentialRequestOptions ?? '');
  } catch {
    options = null;
  }
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof (options as { challenge?: unknown }).challenge !== 'string'
  ) {
    throw new AppError('internal', undefined, { cause: new Error('Cognito sent unusable CREDENTIAL_REQUEST_OPTIONS') });
  }
  return options as PublicKeyCredentialRequestOptionsJSON;
}

/**
 * Answers the pending WEB_AUTHN challenge with the browser's assertion; Cognito verifies it
 * (signature, challenge, origin, RP ID, user verification, counter) and issues the tokens. The
 * passkey's last use is recorded beside it (details.ts). 1 Cognito call.
 */
export const signInWithNativePasskey = (cookies: CookieReader, email: string, response: unknown) =>
  recordSignIn('passkey', () => nativePasskeySignIn(cookies, email, response));
async function nativePasskeySignIn(cookies: CookieReader, email: string, response: unknown): Promise<NativeSignedIn> {
  const pending = await openChallenge(cookies, email, 'WEB_AUTHN');
  if (!pending) throw refusedPasskey('no pending challenge for this email in this browser');
  const credentialId = credentialIdOf(response);
  if (!credentialId) throw refusedPasskey('not a WebAuthn response');
  const answer = await answerUserAuth(pending.username, pending.session, {
    challenge: 'WEB_AUTHN',
    credential: JSON.stringify(response),
  });
  if (answer.outcome !== 'signed_in')
    throw refusedPasskey(answer.outcome === 'refused' ? answer.reason : 'wrong answer');
  const signedIn = await sessionFor(answer.tokens, 'passkey');
  await recordNativePasskeyUse(signedIn.user.sub, credentialId);
  return { ...signedIn, challengeCookie: clearedChallenge() };
}

function refusedPasskey(reason: string): AppError {
  log.warn('passkey_rejected', { layer: 'cognito-native', reason });
  return new AppError('passkey_rejected');
}

/**
 * Sends an email code through Cognito (EMAIL_OTP). A new email is provisioned first, as every
 * layer provisions a passwordless user; the answer is the same whether or not the user existed.
 * 2 Cognito calls for a known user (AdminGetUser, AdminInitiateAuth), 4 for a new one.
 */
export async function sendNativeEmailCode(email: string, clientAddress: string): Promise<CookieToSet> {
  await enforceRateLimits([
    { rule: SEND_PER_EMAIL, key: email },
    { rule: SEND_PER_ADDRESS, key: clientAddress },
  ]);
  // Asked first, not inferred from USER_AUTH: with PreventUserExistenceErrors a pool may answer an
  // unknown user with a simulated challenge, and the new user would never get a code.
  if (!(await findUserByEmail(email))) await provisionPasswordlessUser(email);
  const start = await startUserAuth(email, 'EMAIL_OTP');
  if (start.outcome !== 'challenge') {
    // A user without a verified email (an old password user), or a pool without EMAIL_OTP.
    log.warn('native_email_code_unavailable', { outcome: start.outcome });
    throw new AppError(
      'invalid_request',
      'We cannot send a code to this account. Sign in with your password, then add a passkey from your account page.',
    );
  }
  return sealChallenge({ email, username: start.username, challenge: 'EMAIL_OTP', session: start.session });
}

/** What a person may type: Cognito's email codes are digits (6 to 8, by its message template). */
const CODE = /^\d{6,8}$/;

/**
 * Answers the pending EMAIL_OTP challenge with the typed code: Cognito checks it and issues
 * the tokens. A wrong code keeps the challenge (Cognito allows a few tries per session); any
 * other refusal ends it. 1 Cognito call.
 */
export const signInWithNativeEmailCode = (cookies: CookieReader, email: string, code: unknown) =>
  recordSignIn('email_code', () => nativeEmailCodeSignIn(cookies, email, code));
async function nativeEmailCodeSignIn(
  cookies: CookieReader,
  email: string,
  code: unknown,
): Promise<NativeSignedIn & { hasPasskey: boolean; offerPasskey: boolean }> {
  const pending = await openChallenge(cookies, email, 'EMAIL_OTP');
  if (!pending) throw new AppError('invalid_code', CODE_EXPIRED);
  const typed = typeof code === 'string' ? code.replace(/\D/g, '') : '';
  if (!CODE.test(typed)) throw new AppError('invalid_code', WRONG_CODE);
  await enforceRateLimits([{ rule: TRIES_PER_EMAIL, key: email }]);
  const answer = await answerUserAuth(pending.username, pending.session, { challenge: 'EMAIL_OTP', code: typed });
  if (answer.outcome === 'wrong_code') throw new AppError('invalid_code', WRONG_CODE);
  // Cognito ended the session (used, expired, too many tries): its cookie is worth nothing now.
  if (answer.outcome === 'refused') throw new AppError('invalid_code', CODE_EXPIRED);
  const signedIn = await sessionFor(answer.tokens, 'email_code');
  const offer = await nativePasskeyOfferFor(answer.tokens.accessToken, signedIn.user);
  return { ...signedIn, ...offer, challengeCookie: clearedChallenge() };
}
