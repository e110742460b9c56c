import 'server-only';
import {
  CompleteWebAuthnRegistrationCommand,
  DeleteWebAuthnCredentialCommand,
  ListWebAuthnCredentialsCommand,
  StartWebAuthnRegistrationCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { cognitoClient } from './client';
import { cognitoErrorName, unexpectedCognitoError } from './errors';

/**
 * A user's own passkeys at Cognito: the four calls of the API reference
 * (StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
 * DeleteWebAuthnCredential). Each is authorized by the signed-in user's access token alone
 * (scope aws.cognito.signin.user.admin): there are no admin variants, so the app can only ever
 * change the passkeys of the user whose session it holds.
 */

/** One credential as ListWebAuthnCredentials describes it (no AAGUID, no last use). */
export interface CognitoPasskey {
  credentialId: string;
  friendlyName: string | null;
  relyingPartyId: string;
  authenticatorAttachment: string | null;
  transports: string[];
  /** Epoch milliseconds. */
  createdAt: number;
}

/** The access token no longer works (revoked, expired): the session is over. */
const SIGNED_OUT = new Set(['NotAuthorizedException']);

function refused(operation: string, error: unknown): AppError {
  const name = cognitoErrorName(error);
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  if (name && SIGNED_OUT.has(name) && attempts <= 1)
    return new AppError('unauthenticated', undefined, { cause: error });
  return unexpectedCognitoError(operation, error);
}

/** The creation options (PublicKeyCredentialCreationOptionsJSON) Cognito made for this user. */
export async function startWebAuthnRegistration(accessToken: string): Promise<Record<string, unknown>> {
  let answer;
  try {
    answer = await cognitoClient().send(new StartWebAuthnRegistrationCommand({ AccessToken: accessToken }));
  } catch (error) {
    // Too many passkeys already (AWS allows 20 per user).
    if (cognitoErrorName(error) === 'LimitExceededException') {
      throw new AppError('invalid_request', 'This account has as many passkeys as it can have. Delete one first.');
    }
    throw refused('StartWebAuthnRegistration', error);
  }
  const options = answer.CredentialCreationOptions;
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    throw unexpectedCognitoError('StartWebAuthnRegistration', new Error('no creation options'));
  }
  return options as Record<string, unknown>;
}

/** Cognito's refusals of a registration response: the credential, not Cognito, is at fault. */
const BAD_REGISTRATION = new Set([
  'InvalidParameterException',
  'WebAuthnChallengeNotFoundException',
  'WebAuthnClientMismatchException',
  'WebAuthnRelyingPartyMismatchException',
  'WebAuthnOriginNotAllowedException',
  'WebAuthnCredentialNotSupportedException',
]);

/** Registers the browser's new credential; 'refused' when Cognito does not accept it. */
export async function completeWebAuthnRegistration(
  accessToken: string,
  credential: unknown,
): Promise<'registered' | 'refused'> {
  try {
    await cognitoClient().send(
      new CompleteWebAuthnRegistrationCommand({
        AccessToken: accessToken,
        Credential: credential as Record<string, never>,
      }),
    );
    return 'registered';
  } catch (error) {
    const name = cognitoErrorName(error);
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    if (name && BAD_REGISTRATION.has(name) && attempts <= 1) {
      log.warn('webauthn_registration_refused', { error: name });
      return 'refused';
    }
    throw refused('CompleteWebAuthnRegistration', error);
  }
}

/** Cognito lists at most 20 per page (and keeps at most 20 per user). */
const PAGE_SIZE = 20;

/** Every passkey the user has at Cognito. */
export async function listWebAuthnCredentials(accessToken: string): Promise<CognitoPasskey[]> {
  const passkeys: CognitoPasskey[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await cognitoClient().send(
        new ListWebAuthnCredentialsCommand({ AccessToken: accessToken, MaxResults: PAGE_SIZE, NextToken }),
      );
    } catch (error) {
      throw refused('ListWebAuthnCredentials', error);
    }
    for (const credential of page.Credentials ?? []) {
      if (!credential.CredentialId) continue;
      passkeys.push({
        credentialId: credential.CredentialId,
        friendlyName: credential.FriendlyCredentialName ?? null,
        relyingPartyId: credential.RelyingPartyId ?? '',
        authenticatorAttachment: credential.AuthenticatorAttachment ?? null,
        transports: credential.AuthenticatorTransports ?? [],
        createdAt: credential.CreatedAt ? new Date(credential.CreatedAt).getTime() : 0,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return passkeys;
}

/** Deletes one of the user's passkeys; false when they have no such passkey. */
export async function deleteWebAuthnCredential(accessToken: string, credentialId: string): Promise<boolean> {
  try {
    await cognitoClient().send(
      new DeleteWebAuthnCredentialCommand({ AccessToken: accessToken, CredentialId: credentialId }),
    );
    return true;
  } catch (error) {
    const name = cognitoErrorName(error);
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    if ((name === 'ResourceNotFoundException' || name === 'InvalidParameterException') && attempts <= 1) return false;
    throw refused('DeleteWebAuthnCredential', error);
  }
}
