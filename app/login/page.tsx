import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/auth/redirect';
import { getConfig } from '@/lib/config';
import { getCurrentUser } from '@/lib/session/current';
import { CorbadoSignIn } from './corbado-sign-in';
import { PasswordForm } from './password-form';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const destination = safeNextPath(Array.isArray(next) ? next[0] : next);
  if (await getCurrentUser()) redirect(destination);
  const { corbado } = getConfig();
  return (
    <div className="card">
      <h1>Sign in</h1>
      {corbado ? (
        <>
          <CorbadoSignIn projectId={corbado.projectId} next={destination} />
          <details>
            <summary>Sign in with your password instead</summary>
            <PasswordForm next={destination} />
          </details>
        </>
      ) : (
        <>
          <p className="lead">Use the email and password of your account.</p>
          <PasswordForm next={destination} />
        </>
      )}
    </div>
  );
}
