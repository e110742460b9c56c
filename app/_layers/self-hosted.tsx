import { listPasskeys, summarize } from '@/lib/layers/self-hosted/credentials';
import { RECENT_SIGN_IN_SECONDS } from '@/lib/session/current';
import type { SessionUser } from '@/lib/session/session';
import { PasskeyManager } from '../account/passkey-manager';
import { SignOutButton } from '../account/sign-out-button';
import { PasskeySignIn } from '../login/passkey-sign-in';
import { LOGIN_WORDS } from '../login/words';
import type { LayerScreens } from './screens';

/** How long adding or deleting a passkey is still allowed without signing in again. */
function recentSignInSecondsLeft(user: SessionUser): number {
  return Math.max(0, Math.floor(user.authTime + RECENT_SIGN_IN_SECONDS - Date.now() / 1000));
}

/** Self-hosted passkeys (lib/layers/self-hosted/). */
export const selfHostedScreens: LayerScreens = {
  intro: LOGIN_WORDS.intro,
  // The password form comes with the code form (one Email field at a time).
  Login: ({ next, confirming, user }) => <PasskeySignIn next={next} email={confirming ? user?.email : undefined} />,
  Account: async ({ user }) => (
    <>
      <PasskeyManager
        initial={(await listPasskeys(user.sub)).map(summarize)}
        recentSignInSecondsLeft={recentSignInSecondsLeft(user)}
      />
      <SignOutButton />
    </>
  ),
};
