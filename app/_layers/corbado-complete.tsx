import { completeComponentsProjectId } from '@/lib/layers/corbado-complete/components';
import { LazyCorbadoPasskeys } from '../account/lazy-corbado-passkeys';
import { LazyCorbadoSignIn } from '../login/lazy-corbado-sign-in';
import { PasswordForm } from '../login/password-form';
import type { LayerScreens } from './screens';

/** Corbado Complete, legacy (lib/layers/corbado-complete/). */
export const corbadoCompleteScreens: LayerScreens = {
  intro: 'Use your passkey, or create an account.',
  Login: ({ next }) => (
    <>
      <LazyCorbadoSignIn projectId={completeComponentsProjectId()} next={next} />
      <details>
        <summary>Sign in with your password instead</summary>
        <PasswordForm next={next} />
      </details>
    </>
  ),
  // Corbado's list, with a sign-out that also ends the Corbado session.
  Account: ({ user }) => <LazyCorbadoPasskeys projectId={completeComponentsProjectId()} email={user.email} />,
};
