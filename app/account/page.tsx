import type { Metadata } from 'next';
import { requireSession } from '@/lib/session/current';
import { layerScreens } from '../_layers';
import { formatUtc, isoInstant } from './format';
import { SessionWatch } from './session-watch';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Your account' };

const METHOD_LABEL = {
  password: 'Password',
  passkey: 'Passkey',
  email_code: 'Email code',
  corbado: 'Passkey (Corbado)',
} as const;

export default async function AccountPage() {
  // Middleware gates this page too; this check does not rely on it.
  const user = await requireSession({ signInThen: '/account' });
  const { Account } = layerScreens();
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
        <Account user={user} />
      </SessionWatch>
    </div>
  );
}
