import 'server-only';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  type AdminInitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { cognitoClient, secretHashFor } from './client';
import type { CognitoTokens } from './custom-auth';
import { cognitoErrorName, unexpectedCognitoError } from './errors';

/**
 * Cognito's choice-based sign-in (`USER_AUTH`), the flow of Cognito's own passkeys: no Lambda
 * trigger, Cognito itself verifies the passkey or the emailed code. The app asks for one
 * challenge by name (`PREFERRED_CHALLENGE`) and answers it with the user's proof:
 *
 *   AdminInitiateAuth(USER_AUTH, USERNAME, PREFERRED_CHALLENGE) ──▶ challenge + Session
 *   AdminRespondToAuthChallenge(Session, CREDENTIAL | EMAIL_OTP_CODE) ──▶ tokens
 *
 * A returning user costs exactly these 2 calls. AWS: "Manage authentication methods in AWS
 * SDKs" (cognito/latest/developerguide/authentication-flows-selection-sdk.html) and the API
 * reference of InitiateAuth / RespondToAuthChallenge.
 */

/** The first factors this app asks Cognito for (PASSWORD keeps its own route, USER_PASSWORD_AUTH). */
export type NativeChallenge = 'WEB_AUTHN' | 'EMAIL_OTP';

export type NativeChallengeStart =
  | {
      outcome: 'challenge';
      challenge: NativeChallenge;
      /** Cognito's opaque session for the answer: the app keeps it sealed (never in the clear). */
      session: string;
      /** The name to answer with (Cognito's USERNAME, else the one asked for). */
      username: string;
      /** WEB_AUTHN: PublicKeyCredentialRequestOptionsJSON, as Cognito sent it (a JSON string). */
      credentialRequestOptions?: string;
    }
  /** No such user (or, with PreventUserExistenceErrors, Cognito would not say). */
  | { outcome: 'user_not_found' }
  /** Cognito offered another challenge: this user has no passkey (WEB_AUTHN) here. */
  | { outcome: 'challenge_unavailable'; offered: string };

const USER_DISABLED = 'User is disabled.';

/** AdminInitiateAuth with USER_AUTH, asking for `challenge` first. */
export async function startUserAuth(username: string, challenge: NativeChallenge): Promise<NativeChallengeStart> {
  const { cognito } = getConfig();
  let answer: AdminInitiateAuthCommandOutput;
  try {
    answer = await cognitoClient().send(
      new AdminInitiateAuthCommand({
        UserPoolId: cognito.userPoolId,
        ClientId: cognito.clientId,
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: challenge, ...secretHashFor(username) },
      }),
    );
  } catch (error) {
    const name = cognitoErrorName(error);
    if (name === 'UserNotFoundException') return { outcome: 'user_not_found' };
    if (name === 'NotAuthorizedException') {
      if ((error as Error).message === USER_DISABLED) throw new AppError('account_blocked');
      return { outcome: 'user_not_found' };
    }
    throw unexpectedCognitoError('AdminInitiateAuth(USER_AUTH)', error);
  }
  const parameters = answer.ChallengeParameters ?? {};
  if (answer.ChallengeName !== challenge) {
    log.info('user_auth_challenge_unavailable', { asked: challenge, offered: answer.ChallengeName ?? 'none' });
    return { outcome: 'challenge_unavailable', offered: answer.ChallengeName ?? 'none' };
  }
  if (!answer.Session) {
    throw unexpectedCognitoError('AdminInitiateAuth(USER_AUTH)', new Error('challenge without a session'));
  }
  if (challenge === 'WEB_AUTHN' && typeof parameters.CREDENTIAL_REQUEST_OPTIONS !== 'string') {
    throw unexpectedCognitoError('AdminInitiateAuth(USER_AUTH)', new Error('WEB_AUTHN without request options'));
  }
  return {
    outcome: 'challenge',
    challenge,
    session: answer.Session,
    username: parameters.USERNAME || username,
    credentialRequestOptions: parameters.CREDENTIAL_REQUEST_OPTIONS,
  };
}

/** What the user answered: their passkey's assertion, or the code from the email. */
export type NativeAnswer = { challenge: 'WEB_AUTHN'; credential: string } | { challenge: 'EMAIL_OTP'; code: string };

export type NativeAnswerOutcome =
  | { outcome: 'signed_in'; tokens: CognitoTokens }
  /** EMAIL_OTP: the code is wrong; Cognito may let the same session try again. */
  | { outcome: 'wrong_code' }
  /** The session is used, expired or not Cognito's, or the passkey did not verify. */
  | { outcome: 'refused'; reason: string };

/** Cognito's refusals of an answer (as opposed to an outage): the proof or the session is bad. */
const REFUSALS = new Set([
  'NotAuthorizedException',
  'CodeMismatchException',
  'ExpiredCodeException',
  'InvalidParameterException',
  'UserNotFoundException',
  'WebAuthnChallengeNotFoundException',
  'WebAuthnClientMismatchException',
  'WebAuthnRelyingPartyMismatchException',
  'WebAuthnOriginNotAllowedException',
  'WebAuthnCredentialNotSupportedException',
]);

/** AdminRespondToAuthChallenge with the user's answer to the challenge of `session`. */
export async function answerUserAuth(
  username: string,
  session: string,
  answer: NativeAnswer,
): Promise<NativeAnswerOutcome> {
  const { cognito } = getConfig();
  const responses: Record<string, string> =
    answer.challenge === 'WEB_AUTHN' ? { CREDENTIAL: answer.credential } : { EMAIL_OTP_CODE: answer.code };
  let result;
  try {
    result = await cognitoClient().send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: cognito.userPoolId,
        ClientId: cognito.clientId,
        ChallengeName: answer.challenge,
        Session: session,
        ChallengeResponses: { USERNAME: username, ...responses, ...secretHashFor(username) },
      }),
    );
  } catch (error) {
    const name = cognitoErrorName(error);
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    // A retried call's complaint may be the consequence of an attempt that was applied (an outage).
    if (name && REFUSALS.has(name) && attempts <= 1) {
      if ((error as Error).message === USER_DISABLED) throw new AppError('account_blocked');
      if (name === 'CodeMismatchException') return { outcome: 'wrong_code' };
      log.warn('user_auth_answer_refused', { challenge: answer.challenge, error: name });
      return { outcome: 'refused', reason: name };
    }
    throw unexpectedCognitoError('AdminRespondToAuthChallenge(USER_AUTH)', error);
  }
  const tokens = result.AuthenticationResult;
  if (!tokens?.IdToken || !tokens.AccessToken) {
    // Another challenge (MFA, a new password): this app cannot answer it.
    log.warn('user_auth_further_challenge', { challenge: result.ChallengeName ?? 'none' });
    if (result.ChallengeName === 'NEW_PASSWORD_REQUIRED') throw new AppError('password_change_required');
    throw unexpectedCognitoError('AdminRespondToAuthChallenge(USER_AUTH)', new Error('no tokens'));
  }
  return {
    outcome: 'signed_in',
    tokens: { idToken: tokens.IdToken, accessToken: tokens.AccessToken, refreshToken: tokens.RefreshToken },
  };
}
