import 'server-only';
import { AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { audit } from '../../telemetry/audit';
import type { ChallengedUser } from '../../cognito/custom-auth';
import { cognitoClient } from '../../cognito/client';
import { CORBADO_USER_ID } from '../../cognito/users';
import { unexpectedCognitoError } from '../../cognito/errors';
import { getConfig } from '../../config';
import { log } from '../../telemetry/log';
import { corbadoEmailIsVerified } from './backend';
import type { CorbadoIdentity } from './session-token';

/**
 * May this Corbado user sign in to an existing Cognito user? Yes when the user is linked to it
 * (custom:corbadoUserId, recorded when the app provisioned the user for it, or by an earlier
 * check); otherwise, whether the user is a password user from before Corbado or one the app
 * provisioned for someone else, only when Corbado's Backend API reports the email as verified
 * for this Corbado user: an email in a token alone, pending or never an identifier at Corbado,
 * proves nothing. The answer is asked once: the link is then written to the Cognito user, and
 * Cognito's challenge hands it back on every later sign-in, so those cost no Corbado call.
 */
export async function mayCorbadoUserTakeOver(user: ChallengedUser, identity: CorbadoIdentity): Promise<boolean> {
  if (user.corbadoUserId === identity.userId) return true;
  if (!(await corbadoEmailIsVerified(identity.userId, identity.email))) {
    audit('sign_in_failed', { method: 'corbado', reason: 'email_not_verified_for_existing_user' });
    return false;
  }
  await recordCorbadoLink(user.username, identity.userId);
  audit('account_linked', {
    method: 'corbado',
    corbadoUserId: identity.userId,
    replacedLink: user.corbadoUserId !== null,
  });
  return true;
}

async function recordCorbadoLink(username: string, corbadoUserId: string): Promise<void> {
  try {
    await cognitoClient().send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: getConfig().cognito.userPoolId,
        Username: username,
        UserAttributes: [{ Name: CORBADO_USER_ID, Value: corbadoUserId }],
      }),
    );
  } catch (error) {
    log.error('corbado_link_not_recorded', { hint: `does the pool have the ${CORBADO_USER_ID} attribute?` });
    throw unexpectedCognitoError('AdminUpdateUserAttributes', error);
  }
}
