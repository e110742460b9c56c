'use client';

import { useState, type FormEvent } from 'react';
import { callApi } from '@/lib/client/api';

/**
 * A one-time code by email: the sign-up for new users and the fallback for everyone. Calls
 * `onSignedIn` once the code is accepted.
 */
export function EmailCodeForm({ email: initialEmail, onSignedIn }: { email: string; onSignedIn: () => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function sendCode(event?: FormEvent) {
    event?.preventDefault();
    setError(null);
    setBusy('Sending a code…');
    const result = await callApi('/api/auth/email-code', { body: { email } });
    setBusy(null);
    if (!result.ok) return setError(result.message);
    setSent(true);
  }

  async function verifyCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '').trim();
    setError(null);
    setBusy('Checking the code…');
    const result = await callApi('/api/auth/email-code/verify', { body: { email, code } });
    setBusy(null);
    if (!result.ok) return setError(result.message);
    onSignedIn();
  }

  return (
    <div className="stack">
      {sent ? (
        <form onSubmit={verifyCode} aria-label="Enter your code">
          <p className="status">We sent a 6-digit code to {email}. It is valid for 10 minutes.</p>
          <label>
            6-digit code
            <input name="code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" required autoFocus />
          </label>
          <button type="submit" disabled={busy !== null} aria-busy={busy !== null}>
            Continue
          </button>
          <button type="button" className="link" onClick={() => setSent(false)} disabled={busy !== null}>
            Use another email
          </button>
        </form>
      ) : (
        <form onSubmit={sendCode} aria-label="Sign in or create an account with an email code">
          <label>
            Email
            <input name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <button type="submit" className="secondary" disabled={busy !== null}>
            Email me a code
          </button>
        </form>
      )}
      <p className="status" role="status" aria-live="polite">
        {busy}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
