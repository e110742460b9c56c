import type { Metadata } from 'next';
import { getConfig } from '@/lib/config';
import { listPasskeys, summarize } from '@/lib/layers/self-hosted/credentials';
import { RECENT_SIGN_IN_SECONDS, requireSession, signedInRecently } from '@/lib/session/current';
import type { SessionUser } from '@/lib/session/session';
import { formatUtc, isoInstant } from './format';
import { LazyConnectPasskeys } from './lazy-connect-passkeys';
import { LazyCorbadoPasskeys } from './lazy-corbado-passkeys';
import { PasskeyManager } from './passkey-manager';
import { SessionWatch } from './session-watch';
import { SignOutButton } from './sign-out-button';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Your account' };

const METHOD_LABEL = {
  password: 'Password',
  passkey: 'Passkey',
  email_code: 'Email code',
  corbado: 'Passkey (Corbado)',
} as const;

/** How long adding or deleting a passkey is still allowed without signing in again. */
function recentSignInSecondsLeft(user: SessionUser): number {
  return Math.max(0, Math.floor(user.authTime + RECENT_SIGN_IN_SECONDS - Date.now() / 1000));
}

export default async function AccountPage() {
  // Middleware gates this page too; this check does not rely on it.
  const user = await requireSession({ signInThen: '/account' });
  const { corbado } = getConfig();
  return (
    <div className="card stack">
      <SessionWatch>
        <div>
          <h1>Your account</h1>
          <p className="lead">You are signed in.</p>
        </div>
        <dl>
          <dt>Email</dt>
          <dd data-testid="account-email">{user.email}</dd>
          <dt>Signed in with</dt>
          <dd data-testid="account-method">{METHOD_LABEL[user.method]}</dd>
          <dt>Since</dt>
          <dd data-testid="account-since">
            <time dateTime={isoInstant(user.authTime * 1000)}>{formatUtc(user.authTime * 1000)}</time>
          </dd>
        </dl>
        {corbado?.mode === 'connect' ? (
          <>
            {!signedInRecently(user) && (
              <p className="status">
                To add or delete passkeys, <a href="/login?reauth=1&amp;next=/account">confirm it’s you</a> first.
              </p>
            )}
            <LazyConnectPasskeys
              project={{ projectId: corbado.projectId, frontendApiUrlSuffix: corbado.frontendApiUrlSuffix }}
            />
            <SignOutButton />
          </>
        ) : corbado ? (
          // Corbado's list, with a sign-out that also ends the Corbado session.
          <LazyCorbadoPasskeys projectId={corbado.projectId} email={user.email} />
        ) : (
          <>
            <PasskeyManager
              initial={(await listPasskeys(user.sub)).map(summarize)}
              recentSignInSecondsLeft={recentSignInSecondsLeft(user)}
            />
            <SignOutButton />
          </>
        )}
      </SessionWatch>
    </div>
  );
}
