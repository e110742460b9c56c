import { connectComponentsProject } from '@/lib/layers/corbado-connect/components';
import { signedInRecently } from '@/lib/session/current';
import { LazyConnectPasskeys } from '../account/lazy-connect-passkeys';
import { SignOutButton } from '../account/sign-out-button';
import { LazyConnectSignIn } from '../login/lazy-connect-sign-in';
import type { LayerScreens } from './screens';

/** Corbado Connect (lib/layers/corbado-connect/). */
export const corbadoConnectScreens: LayerScreens = {
  intro: 'Use your passkey, or get a one-time code by email. New here? The code creates your account.',
  // Connect brings its own fallbacks (password, email code) and the passkey offer after them.
  Login: ({ next }) => <LazyConnectSignIn project={connectComponentsProject()} next={next} />,
  Account: ({ user }) => (
    <>
      {!signedInRecently(user) && (
        <p className="status">
          To add or delete passkeys, <a href="/login?reauth=1&amp;next=/account">confirm it’s you</a> first.
        </p>
      )}
      <LazyConnectPasskeys project={connectComponentsProject()} />
      <SignOutButton />
    </>
  ),
};
