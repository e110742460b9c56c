'use client';

import { useRef, useState, type ClipboardEvent, type FormEvent, type ReactNode } from 'react';
import { postLogin } from './login-request';
import { LOGIN_WORDS as WORDS } from './words';
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
  /** Where the code is asked for and checked: the app's own codes, unless a layer sends its own (Cognito's). */
  endpoints?: { send: string; verify: string };
  /** How many digits the layer's codes have, and how long they stay valid ("10 minutes"). */
  codeDigits?: number;
  codeValidity?: string;
}

const APP_CODES = { send: '/api/auth/email-code', verify: '/api/auth/email-code/verify' };
const CODE_DIGITS = 6;
/** What a person types or pastes ("123 456", "123-456", a whole line from the email) as the code's digits. */
const digitsOf = (text: string, digits = CODE_DIGITS) => text.replace(/\D/g, '').slice(0, digits);

/**
 * A one-time code by email: the sign-up for new users and the fallback for everyone, in
 * self-hosted and Connect mode alike. The email step's *Continue* always leads on (the answer is
 * the same whether or not an account exists); the code step is a screen of its own, with its own
 * heading and an empty field that has the focus. Each status stands under the button it is about.
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
  endpoints = APP_CODES,
  codeDigits = CODE_DIGITS,
  codeValidity = '10 minutes',
}: EmailCodeFormProps) {
  const [sent, setSent] = useState<'first' | 'again' | null>(null);
  const [busy, setBusy] = useState<'sending' | 'resending' | 'checking' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const codeField = useRef<HTMLInputElement>(null);
  const emailField = useRef<HTMLInputElement>(null);

  /** After a refusal: the field has the focus and the code in it is selected, so typing replaces it. */
  function selectCode() {
    codeField.current?.focus();
    codeField.current?.select();
  }

  async function sendCode(again: boolean) {
    onChooseEmail?.();
    setError(null);
    setBusy(again ? 'resending' : 'sending');
    const result = await postLogin(endpoints.send, { email });
    setBusy(null);
    if (!result.ok) {
      setError(result.message);
      if (!again) emailField.current?.focus();
      return;
    }
    setSent(again ? 'again' : 'first');
    // A new code makes the old one useless: the field empties for it.
    setCode('');
    if (again) codeField.current?.focus();
  }

  async function verifyCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setBusy('checking');
    const result = await postLogin<CodeSignIn>(endpoints.verify, { email, code });
    setBusy(null);
    if (result.ok) return onSignedIn(result.data);
    setError(result.message);
    selectCode();
  }

  function pasteCode(event: ClipboardEvent<HTMLInputElement>) {
    const digits = digitsOf(event.clipboardData.getData('text'), codeDigits);
    if (!digits) return;
    // The pasted code replaces the field, whatever its spaces or dashes.
    event.preventDefault();
    setCode(digits);
  }

  function useAnotherEmail() {
    setSent(null);
    setError(null);
    setCode('');
  }

  if (sent) {
    return (
      <section className="code-step stack" aria-labelledby="code-step-title">
        <div>
          <h1 id="code-step-title">{WORDS.codeHeading}</h1>
          <p className="lead" aria-live="polite">
            {sent === 'again' ? WORDS.codeResent(email) : WORDS.codeSent(email, codeDigits, codeValidity)}
          </p>
        </div>
        <form onSubmit={verifyCode} aria-label="Enter your code">
          <label>
            {WORDS.codeLabel(codeDigits)}
            <input
              // Its own element: React must not reuse the email <input> (its value would stay).
              key="code"
              ref={codeField}
              name="code"
              inputMode="numeric"
              pattern={`[0-9]{${codeDigits}}`}
              autoComplete="one-time-code"
              required
              autoFocus
              value={code}
              onChange={(event) => setCode(digitsOf(event.target.value, codeDigits))}
              onPaste={pasteCode}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'code-error' : undefined}
            />
          </label>
          <button type="submit" disabled={busy !== null} aria-busy={busy === 'checking'}>
            {WORDS.continueButton}
          </button>
          <Feedback status={busy === 'checking' ? WORDS.checkingCode : null} error={error} errorId="code-error" />
          <div className="actions">
            <button
              type="button"
              className="link"
              onClick={() => sendCode(true)}
              disabled={busy !== null}
              aria-busy={busy === 'resending'}
            >
              {busy === 'resending' ? WORDS.sendingNewCode : WORDS.sendNewCode}
            </button>
            <button type="button" className="link" onClick={useAnotherEmail} disabled={busy !== null}>
              {WORDS.useAnotherEmail}
            </button>
          </div>
        </form>
      </section>
    );
  }

  return (
    <div className="stack">
      {showEmailField && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void sendCode(false);
          }}
          aria-label={formLabel}
        >
          <label>
            {WORDS.emailLabel}
            <input
              key="email"
              ref={emailField}
              name="email"
              type="email"
              autoComplete={emailAutoComplete}
              required
              value={email}
              onChange={(event) => onEmailChange(event.target.value)}
            />
          </label>
          <button type="submit" disabled={busy !== null} aria-busy={busy === 'sending'}>
            {WORDS.continueButton}
          </button>
          <Feedback status={busy === 'sending' ? WORDS.sendingCode : null} error={error} />
        </form>
      )}
      {children}
    </div>
  );
}
