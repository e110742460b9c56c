import { redirect } from 'next/navigation';
import { getConfig } from '@/lib/config';
import { listPasskeys, summarize } from '@/lib/passkeys/credentials';
import { getCurrentUser, signedInRecently } from '@/lib/session/current';
import { LazyConnectPasskeys } from './lazy-connect-passkeys';
import { LazyCorbadoPasskeys } from './lazy-corbado-passkeys';
import { PasskeyManager } from './passkey-manager';
import { SignOutButton } from './sign-out-button';

export const dynamic = 'force-dynamic';

const METHOD_LABEL = {
  password: 'Password',
  passkey: 'Passkey',
  email_code: 'Email code',
  corbado: 'Passkey (Corbado)',
} as const;

export default async function AccountPage() {
  // Middleware gates this page too; this check does not rely on it.
  const user = await getCurrentUser();
  if (!user) redirect('/login?next=/account');
  const { corbado } = getConfig();
  return (
    <div className="card stack">
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
        <dd>{new Date(user.authTime * 1000).toUTCString()}</dd>
        <dt>User id</dt>
        <dd>{user.sub}</dd>
      </dl>
      {corbado?.mode === 'connect' ? (
        <>
          {!signedInRecently(user) && (
            <p className="status">
              To add or delete passkeys, <a href="/login?reauth=1&amp;next=/account">confirm it’s you</a> first.
            </p>
          )}
          <LazyConnectPasskeys project={{ projectId: corbado.projectId, frontendApiUrlSuffix: corbado.frontendApiUrlSuffix }} />
          <SignOutButton />
        </>
      ) : corbado ? (
        // Corbado's list, with a sign-out that also ends the Corbado session.
        <LazyCorbadoPasskeys projectId={corbado.projectId} email={user.email} />
      ) : (
        <>
          <PasskeyManager initial={(await listPasskeys(user.sub)).map(summarize)} recentSignIn={signedInRecently(user)} />
          <SignOutButton />
        </>
      )}
    </div>
  );
}
