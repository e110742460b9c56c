import { redirect } from 'next/navigation';
import { safeNextPath } from '@/lib/auth/redirect';
import { getCurrentUser } from '@/lib/session/current';
import { PasswordForm } from './password-form';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const destination = safeNextPath(Array.isArray(next) ? next[0] : next);
  if (await getCurrentUser()) redirect(destination);
  return (
    <div className="card">
      <h1>Sign in</h1>
      <p className="lead">Use the email and password of your account.</p>
      <PasswordForm next={destination} />
    </div>
  );
}
