'use client';

import { useState, type FormEvent } from 'react';

/**
 * Existing Cognito password users. `onSignedIn` decides what follows (Connect mode offers a
 * passkey first); by default the page goes on to `next`. `email` pre-fills the field.
 */
export function PasswordForm({ next, email, onSignedIn }: { next: string; email?: string; onSignedIn?: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/api/auth/password', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
      });
      if (response.ok) {
        if (onSignedIn) {
          setBusy(false);
          onSignedIn();
        } else {
          window.location.assign(next);
        }
        return;
      }
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      setError(body?.error?.message ?? 'Sign-in failed. Try again.');
    } catch {
      setError('The network is unreachable. Check your connection and try again.');
    }
    setBusy(false);
  }

  return (
    <form onSubmit={submit} aria-describedby={error ? 'password-error' : undefined}>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required defaultValue={email} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && (
        <p id="password-error" className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
