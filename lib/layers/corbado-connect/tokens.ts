import 'server-only';
import { AppError } from '../../errors';
import { enforceRateLimits } from '../../rate-limit';
import { signedInRecently } from '../../session/current';
import type { SessionUser } from '../../session/session';
import { corbadoProject } from '../corbado-project';
import { createConnectToken, type ConnectTokenType } from './backend-api';

/**
 * Connect tokens one user, and one address, may have in 15 minutes. The account page asks for a
 * list token each time it opens and one more per passkey added or deleted; each is a Backend API
 * call, and a project Corbado throttles fails every passkey user (#24).
 */
const TOKENS_PER_USER = { name: 'connect-tokens:user', limit: 30, windowSeconds: 15 * 60 };
const TOKENS_PER_ADDRESS = { name: 'connect-tokens:address', limit: 100, windowSeconds: 15 * 60 };

/**
 * A connect token for the signed-in user's own passkeys (1 Backend API call). The identifier is
 * the Cognito username, so Corbado's user is tied to the pool's user, never to an email that
 * could change hands. Adding or deleting a passkey needs a sign-in at most 5 minutes old, as
 * with self-hosted passkeys; listing does not.
 */
export async function connectTokenFor(
  user: SessionUser,
  type: ConnectTokenType,
  clientAddress: string,
): Promise<string> {
  corbadoProject('connect');
  if (type !== 'passkey-list' && !signedInRecently(user)) throw new AppError('reauthentication_required');
  await enforceRateLimits([
    { rule: TOKENS_PER_USER, key: user.sub },
    { rule: TOKENS_PER_ADDRESS, key: clientAddress },
  ]);
  const identifier = user.username;
  return createConnectToken(type, type === 'passkey-append' ? { identifier, displayName: user.email } : { identifier });
}
