import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/sign-in/redirect';
import { getConfig } from '@/lib/config';
import { getCurrentUser } from '@/lib/session/current';
import { LazyConnectSignIn } from './lazy-connect-sign-in';
import { LazyCorbadoSignIn } from './lazy-corbado-sign-in';
import { PasskeySignIn } from './passkey-sign-in';
import { PasswordForm } from './password-form';
import { LOGIN_WORDS } from './words';

export const dynamic = 'force-dynamic';

type SearchParams = { next?: string | string[]; reauth?: string | string[] };

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { next, reauth } = await searchParams;
  const destination = safeNextPath(Array.isArray(next) ? next[0] : next);
  // reauth=1: a signed-in user confirms who they are before changing their passkeys.
  const confirming = reauth === '1';
  const user = await getCurrentUser();
  if (!confirming && user) redirect(destination);
  const { corbado } = getConfig();
  return (
    <div className="card stack">
      {/* Hidden while a passkey offer, with its own heading, is shown (globals.css). */}
      <div className="login-intro">
        <h1>{confirming ? 'Confirm it’s you' : LOGIN_WORDS.heading}</h1>
        <p className="lead">
          {confirming
            ? 'Sign in again to change your passkeys.'
            : corbado?.mode === 'complete'
              ? 'Use your passkey, or create an account.'
              : corbado?.mode === 'connect'
                ? 'Use your passkey, or get a one-time code by email. New here? The code creates your account.'
                : LOGIN_WORDS.intro}
        </p>
      </div>
      {corbado?.mode === 'connect' ? (
        // Connect brings its own fallbacks (password, email code) and the passkey offer after them.
        <LazyConnectSignIn
          project={{ projectId: corbado.projectId, frontendApiUrlSuffix: corbado.frontendApiUrlSuffix }}
          next={destination}
        />
      ) : !corbado ? (
        // Self-hosted: the password form comes with the code form (one Email field at a time).
        <PasskeySignIn next={destination} email={confirming ? user?.email : undefined} />
      ) : (
        <>
          <LazyCorbadoSignIn projectId={corbado.projectId} next={destination} />
          <details>
            <summary>Sign in with your password instead</summary>
            <PasswordForm next={destination} />
          </details>
        </>
      )}
    </div>
  );
}
