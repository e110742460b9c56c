import 'server-only';
import { AppError } from '../../errors';
import { signedInRecently } from '../../session/current';
import type { SessionUser } from '../../session/session';
import { corbadoProject } from '../client';
import { createConnectToken, type ConnectTokenType } from './backend-api';

const TYPES = new Set<string>(['passkey-append', 'passkey-list', 'passkey-delete']);

/**
 * A connect token for the signed-in user's own passkeys (1 Backend API call). The identifier is
 * the Cognito username, so Corbado's user is tied to the pool's user, never to an email that
 * could change hands. Adding or deleting a passkey needs a sign-in at most 5 minutes old, as
 * with self-hosted passkeys; listing does not.
 */
export async function connectTokenFor(user: SessionUser, type: unknown): Promise<string> {
  corbadoProject('connect');
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new AppError('invalid_request', 'type must be passkey-append, passkey-list or passkey-delete.');
  }
  if (type !== 'passkey-list' && !signedInRecently(user)) throw new AppError('reauthentication_required');
  const identifier = user.username;
  return createConnectToken(
    type as ConnectTokenType,
    type === 'passkey-append' ? { identifier, displayName: user.email } : { identifier },
  );
}
