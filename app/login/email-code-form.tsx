'use client';

import { useState, type FormEvent, type ReactNode } from 'react';
import { postLogin } from './login-request';
import { Feedback } from '../feedback';

/** What the verify route answers besides the session: whether to offer a passkey now. */
export interface CodeSignIn {
  offerPasskey: boolean;
}

export interface EmailCodeFormProps {
  email: string;
  onEmailChange: (email: string) => void;
  /** The accessible name of the form that asks for the email. */
  formLabel: string;
  /** 'username webauthn' where the page also waits for a passkey from the field's autofill. */
  emailAutoComplete: 'username' | 'username webauthn';
  /** False while another form (the password one) shows its own Email field: one at a time. */
  showEmailField: boolean;
  /** The user chose the email path: e.g. a pending passkey request must give way. */
  onChooseEmail?: () => void;
  onSignedIn: (result: CodeSignIn) => void;
  /** Shown under the email form (the passkey button). */
  children?: ReactNode;
}

/**
 * A one-time code by email: the sign-up for new users and the fallback for everyone, in
 * self-hosted and Connect mode alike. Every answer replaces the line before it: a rate limit
 * says how long to wait instead of "We sent…", a refused code what the try found.
 */
export function EmailCodeForm({
  email,
  onEmailChange,
  formLabel,
  emailAutoComplete,
  showEmailField,
  onChooseEmail,
  onSignedIn,
  children,
}: EmailCodeFormProps) {
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState<'sending' | 'resending' | 'checking' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function sendCode(again: boolean) {
    onChooseEmail?.();
    setError(null);
    setBusy(again ? 'resending' : 'sending');
    const result = await postLogin('/api/auth/email-code', { email });
    setBusy(null);
    if (!result.ok) {
      // A wait replaces "We sent…": that line no longer tells what to do next.
      if (result.mustWait) setNotice(null);
      return setError(result.message);
    }
    setSent(true);
    setNotice(
      again
        ? `A new code is on its way to ${email}. Use the newest one.`
        : `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`,
    );
  }

  async function verifyCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '').trim();
    setError(null);
    setBusy('checking');
    const result = await postLogin<CodeSignIn>('/api/auth/email-code/verify', { email, code });
    setBusy(null);
    if (result.ok) return onSignedIn(result.data);
    if (result.mustWait) setNotice(null);
    setError(result.message);
  }

  function useAnotherEmail() {
    setSent(false);
    setNotice(null);
    setError(null);
  }

  const busyText = {
    sending: 'Sending a code…',
    resending: 'Sending a new code…',
    checking: 'Checking the code…',
  } as const;
  return (
    <div className="stack">
      {sent ? (
        <form onSubmit={verifyCode} aria-label="Enter your code">
          <label>
            6-digit code
            <input
              name="code"
              inputMode="numeric"
              pattern="[0-9]{6}"
              maxLength={6}
              autoComplete="one-time-code"
              required
              autoFocus
            />
          </label>
          <button type="submit" disabled={busy !== null} aria-busy={busy === 'checking'}>
            Continue
          </button>
          <div className="actions">
            <button
              type="button"
              className="link"
              onClick={() => sendCode(true)}
              disabled={busy !== null}
              aria-busy={busy === 'resending'}
            >
              {busy === 'resending' ? 'Sending a new code…' : 'Send a new code'}
            </button>
            <button type="button" className="link" onClick={useAnotherEmail} disabled={busy !== null}>
              Use another email
            </button>
          </div>
        </form>
      ) : (
        showEmailField && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void sendCode(false);
            }}
            aria-label={formLabel}
          >
            <label>
              Email
              <input
                name="email"
                type="email"
                autoComplete={emailAutoComplete}
                required
                value={email}
                onChange={(event) => onEmailChange(event.target.value)}
              />
            </label>
            <button type="submit" className="secondary" disabled={busy !== null} aria-busy={busy === 'sending'}>
              Email me a code
            </button>
          </form>
        )
      )}
      {!sent && children}
      <Feedback status={busy ? busyText[busy] : notice} error={error} />
    </div>
  );
}
