import { cookies } from 'next/headers';
import { listNativePasskeys } from '@/lib/layers/cognito-native/passkeys';
import { RECENT_SIGN_IN_SECONDS } from '@/lib/session/current';
import type { SessionUser } from '@/lib/session/session';
import { PasskeyManager } from '../account/passkey-manager';
import { SignOutButton } from '../account/sign-out-button';
import { NativeSignIn } from '../login/native-sign-in';
import { LOGIN_WORDS } from '../login/words';
import type { LayerScreens } from './screens';

/** How long adding or deleting a passkey is still allowed without signing in again. */
function recentSignInSecondsLeft(user: SessionUser): number {
  return Math.max(0, Math.floor(user.authTime + RECENT_SIGN_IN_SECONDS - Date.now() / 1000));
}

/** Cognito's own passkeys (lib/layers/cognito-native/). */
export const cognitoNativeScreens: LayerScreens = {
  intro: LOGIN_WORDS.intro,
  Login: ({ next, confirming, user }) => <NativeSignIn next={next} email={confirming ? user?.email : undefined} />,
  Account: async ({ user }) => (
    <>
      <PasskeyManager
        initial={await listNativePasskeys(await cookies(), user)}
        recentSignInSecondsLeft={recentSignInSecondsLeft(user)}
        passkeysApi="/api/account/native-passkeys"
      />
      <SignOutButton />
    </>
  ),
};
