import 'server-only';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { signChallengeAssertion } from './challenge/assertion';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { cognitoClient, secretHashFor } from './client';
import { cognitoErrorName, unexpectedCognitoError } from './errors';

export interface CognitoTokens {
  idToken: string;
  accessToken: string;
  /** Absent on refresh: Cognito keeps the refresh token the session already has. */
  refreshToken?: string;
}

/** What the create-auth-challenge trigger tells about the user, before the app answers. */
export interface ChallengedUser {
  /** The pool's internal username. */
  username: string;
  createdByCorbado: boolean;
  /** The Corbado user (`custom:corbadoUserId`) a pre-existing user was linked to, if any. */
  corbadoUserId: string | null;
}

export type CustomAuthOutcome =
  | { outcome: 'signed_in'; tokens: CognitoTokens; createdByCorbado: boolean }
  /** No such user, or (with PreventUserExistenceErrors) Cognito would not say: provision, then retry. */
  | { outcome: 'user_not_found' }
  /** The user exists but never got a permanent password (AdminCreateUser left it half-made). */
  | { outcome: 'incomplete_user' };

const USER_DISABLED = 'User is disabled.';

function tokensFrom(result: AuthenticationResultType | undefined, operation: string): CognitoTokens {
  if (!result?.IdToken || !result.AccessToken) {
    throw unexpectedCognitoError(operation, new Error('Cognito answered without tokens'));
  }
  return { idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken };
}

/**
 * Signs in a user whose identity the app has already verified (passkey, email code, Corbado
 * session), through CUSTOM_AUTH: Cognito's create-auth-challenge trigger issues a nonce, the
 * app answers with an assertion signed by its private key and bound to that nonce, the user
 * and this client; the verify trigger checks it. An existing user costs exactly 2 calls.
 * `authorize` sees the user before the answer is signed and may refuse by throwing: the
 * challenge is then left unanswered and no tokens are issued.
 */
export async function startCustomAuthSession(
  email: string,
  authorize?: (user: ChallengedUser) => Promise<void>,
): Promise<CustomAuthOutcome> {
  const { cognito, authChallenge } = getConfig();
  let challenge;
  try {
    challenge = await cognitoClient().send(
      new AdminInitiateAuthCommand({
        UserPoolId: cognito.userPoolId,
        ClientId: cognito.clientId,
        AuthFlow: 'CUSTOM_AUTH',
        AuthParameters: { USERNAME: email, ...secretHashFor(email) },
      }),
    );
  } catch (error) {
    const name = cognitoErrorName(error);
    if (name === 'UserNotFoundException') return { outcome: 'user_not_found' };
    if (name === 'NotAuthorizedException') {
      if ((error as Error).message === USER_DISABLED) throw new AppError('account_blocked');
      return { outcome: 'user_not_found' };
    }
    if (name === 'UserNotConfirmedException') return { outcome: 'incomplete_user' };
    throw unexpectedCognitoError('AdminInitiateAuth', error);
  }

  const parameters = challenge.ChallengeParameters ?? {};
  const username = parameters.USERNAME;
  if (challenge.ChallengeName !== 'CUSTOM_CHALLENGE' || !challenge.Session || !parameters.nonce || !username) {
    throw unexpectedCognitoError('AdminInitiateAuth', new Error(`unexpected challenge ${challenge.ChallengeName}`));
  }
  const createdByCorbado = parameters.createdByCorbado === 'true';
  await authorize?.({ username, createdByCorbado, corbadoUserId: parameters.corbadoUserId || null });
  const answer = await signChallengeAssertion(authChallenge.privateKey, {
    nonce: parameters.nonce,
    username,
    clientId: cognito.clientId,
  });

  let result;
  try {
    result = await cognitoClient().send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: cognito.userPoolId,
        ClientId: cognito.clientId,
        ChallengeName: 'CUSTOM_CHALLENGE',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: username, ANSWER: answer, ...secretHashFor(username) },
      }),
    );
  } catch (error) {
    throw unexpectedCognitoError('AdminRespondToAuthChallenge', error);
  }
  if (result.ChallengeName === 'NEW_PASSWORD_REQUIRED') return { outcome: 'incomplete_user' };
  return {
    outcome: 'signed_in',
    tokens: tokensFrom(result.AuthenticationResult, 'AdminRespondToAuthChallenge'),
    createdByCorbado,
  };
}

/**
 * USER_PASSWORD_AUTH for users who had a password before passkeys. A wrong password and an
 * unknown email give the same answer.
 */
export async function signInWithPassword(email: string, password: string): Promise<CognitoTokens> {
  const { cognito } = getConfig();
  let result;
  try {
    result = await cognitoClient().send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password, ...secretHashFor(email) },
      }),
    );
  } catch (error) {
    const name = cognitoErrorName(error);
    if (name === 'NotAuthorizedException' && (error as Error).message === USER_DISABLED) {
      throw new AppError('account_blocked');
    }
    if (name === 'NotAuthorizedException' || name === 'UserNotFoundException' || name === 'UserNotConfirmedException') {
      throw new AppError('invalid_credentials');
    }
    if (name === 'PasswordResetRequiredException') throw new AppError('password_change_required');
    throw unexpectedCognitoError('InitiateAuth', error);
  }
  if (result.ChallengeName === 'NEW_PASSWORD_REQUIRED') throw new AppError('password_change_required');
  return tokensFrom(result.AuthenticationResult, 'InitiateAuth');
}

/** New ID and access tokens from the refresh token; `username` is the pool's internal username. */
export async function refreshCognitoTokens(refreshToken: string, username: string): Promise<CognitoTokens> {
  const { cognito } = getConfig();
  try {
    const result = await cognitoClient().send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken, ...secretHashFor(username) },
      }),
    );
    return tokensFrom(result.AuthenticationResult, 'InitiateAuth(REFRESH_TOKEN_AUTH)');
  } catch (error) {
    if (cognitoErrorName(error) === 'NotAuthorizedException') throw new AppError('unauthenticated');
    throw unexpectedCognitoError('InitiateAuth(REFRESH_TOKEN_AUTH)', error);
  }
}

/** Revokes the refresh token and every access token issued from it. */
export async function revokeRefreshToken(refreshToken: string): Promise<void> {
  const { cognito } = getConfig();
  try {
    await cognitoClient().send(
      new RevokeTokenCommand({
        Token: refreshToken,
        ClientId: cognito.clientId,
        ...(cognito.clientSecret ? { ClientSecret: cognito.clientSecret } : {}),
      }),
    );
  } catch (error) {
    throw unexpectedCognitoError('RevokeToken', error);
  }
}
