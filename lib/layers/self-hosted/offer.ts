import 'server-only';
import { findUserByUsername } from '../../cognito/users';
import type { SessionUser } from '../../session/session';
import { listPasskeys } from './credentials';

/**
 * Whether /login offers a passkey after a sign-in without one: not to a user who has a passkey,
 * nor to one who chose "Don't ask again" (kept on the Cognito user, so in every browser).
 */
export async function passkeyOfferFor(
  user: Pick<SessionUser, 'sub' | 'username'>,
): Promise<{ hasPasskey: boolean; offerPasskey: boolean }> {
  const hasPasskey = (await listPasskeys(user.sub)).length > 0;
  if (hasPasskey) return { hasPasskey, offerPasskey: false };
  const cognitoUser = await findUserByUsername(user.username);
  return { hasPasskey, offerPasskey: !cognitoUser?.skipsPasskeyOffer };
}
