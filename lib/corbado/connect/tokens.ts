import 'server-only';
import { AppError } from '../../http/errors';
import { signedInRecently } from '../../session/current';
import type { SessionUser } from '../../session/session';
import { corbadoProject } from '../client';
import { createConnectToken, type ConnectTokenType } from './backend-api';

/**
 * A connect token for the signed-in user's own passkeys (1 Backend API call). The identifier is
 * the Cognito username, so Corbado's user is tied to the pool's user, never to an email that
 * could change hands. Adding or deleting a passkey needs a sign-in at most 5 minutes old, as
 * with self-hosted passkeys; listing does not.
 */
export async function connectTokenFor(user: SessionUser, type: ConnectTokenType): Promise<string> {
  corbadoProject('connect');
  if (type !== 'passkey-list' && !signedInRecently(user)) throw new AppError('reauthentication_required');
  const identifier = user.username;
  return createConnectToken(type, type === 'passkey-append' ? { identifier, displayName: user.email } : { identifier });
}
