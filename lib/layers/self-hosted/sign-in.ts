import 'server-only';
import { AppError } from '../../errors';
import { audit } from '../../telemetry/audit';
import { log } from '../../telemetry/log';
import { signInVerifiedIdentity, signOut, USER_GONE } from '../../sign-in/pipeline';
import { signInKeepingProof, type KeptProof } from '../../sign-in/retry';
import { sessionCookieNames, type CookieReader } from '../../session/cookies';
import type { SignedIn } from '../../session/session';
import type { StoredPasskey } from '../../store/passkey-store';
import { recordSignIn } from '../../telemetry/sign-in';
import { deletePasskey } from './credentials';
import { finishPasskeySignIn } from './webauthn';

/**
 * Self-hosted passkeys: the assertion proves the owner of a passkey registered while they were
 * signed in, so it may sign in to their existing account. The account must still be the one
 * the passkey was registered to (same sub), or nothing is signed in; a deleted account is
 * never re-created, and its passkey is removed.
 */
export const signInWithPasskey = (cookies: CookieReader, response: unknown) =>
  recordSignIn('passkey', () => passkeySignIn(cookies, response));
async function passkeySignIn(cookies: CookieReader, response: unknown): Promise<SignedIn> {
  // A retry after Cognito's quota held the sign-in back uses the kept proof: no second prompt.
  return signInKeepingProof<Extract<KeptProof, { method: 'passkey' }>>(
    cookies,
    'passkey',
    async () => {
      const { id, userSub, email } = await finishPasskeySignIn(cookies, response);
      return { method: 'passkey', passkey: { id, userSub, email } };
    },
    (proof) => signInPasskeyOwner(proof.passkey),
  );
}

/** The sign-in of a verified passkey's owner (see signInWithPasskey). */
async function signInPasskeyOwner(passkey: Pick<StoredPasskey, 'id' | 'userSub' | 'email'>): Promise<SignedIn> {
  let signedIn: SignedIn;
  try {
    // A passkey only ever signs in the account it was added to: it never makes a new one.
    signedIn = await signInVerifiedIdentity(
      { email: passkey.email, method: 'passkey', mayUseExistingUser: async () => true },
      { provision: false },
    );
  } catch (error) {
    if (error instanceof AppError && error.cause === USER_GONE) {
      // Its account was deleted in Cognito: the credential is an orphan, and goes.
      await deletePasskey(passkey.userSub, passkey.id);
      audit('passkey_removed', { sub: passkey.userSub, passkeyId: passkey.id, reason: 'user_deleted' });
    }
    throw error;
  }
  if (signedIn.user.sub !== passkey.userSub) {
    log.error('passkey_owner_mismatch', { passkeySub: passkey.userSub, sub: signedIn.user.sub });
    const refresh = signedIn.cookies.find((cookie) => cookie.name === sessionCookieNames().refresh);
    if (refresh) await signOut({ get: (name) => (name === refresh.name ? refresh : undefined) });
    throw new AppError('passkey_rejected');
  }
  return signedIn;
}
