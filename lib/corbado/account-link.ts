import 'server-only';
import { AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { audit } from '../audit';
import type { ChallengedUser } from '../cognito/auth';
import { cognitoClient } from '../cognito/client';
import { unexpectedCognitoError } from '../cognito/errors';
import { getConfig } from '../config';
import { log } from '../log';
import { corbadoEmailIsVerified } from './backend';
import type { CorbadoIdentity } from './session-token';

/** Where a pre-existing Cognito user records the Corbado user that may sign in to it. */
export const CORBADO_USER_ID = 'custom:corbadoUserId';

/**
 * May this Corbado user sign in to a Cognito user that existed before Corbado (a password
 * user)? Only when Corbado's Backend API reports the email as verified for this Corbado user.
 * The answer is asked once: the link is then written to the Cognito user (custom:corbadoUserId),
 * and Cognito's challenge hands it back on every later sign-in, so those cost no Corbado call.
 * A link to another Corbado user (say, one that was deleted and re-created) is checked afresh.
 */
export async function mayCorbadoUserTakeOver(user: ChallengedUser, identity: CorbadoIdentity): Promise<boolean> {
  if (user.corbadoUserId === identity.userId) return true;
  if (!(await corbadoEmailIsVerified(identity.userId, identity.email))) {
    audit('sign_in_failed', { method: 'corbado', reason: 'email_not_verified_for_existing_user' });
    return false;
  }
  await recordCorbadoLink(user.username, identity.userId);
  audit('account_linked', { method: 'corbado', corbadoUserId: identity.userId, replacedLink: user.corbadoUserId !== null });
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
