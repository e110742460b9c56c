import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/sign-in/redirect';
import { getCurrentUser } from '@/lib/session/current';
import { layerScreens } from '../_layers';
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
  const { intro, Login } = layerScreens();
  return (
    <div className="card stack">
      {/* Hidden while a passkey offer, with its own heading, is shown (globals.css). */}
      <div className="login-intro">
        <h1>{confirming ? 'Confirm it’s you' : LOGIN_WORDS.heading}</h1>
        <p className="lead">{confirming ? 'Sign in again to change your passkeys.' : intro}</p>
      </div>
      <Login next={destination} confirming={confirming} user={user} />
    </div>
  );
}
