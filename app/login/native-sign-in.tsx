'use client';

import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { useState, useSyncExternalStore } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';
import { CodeOrPassword } from './code-or-password';
import type { CodeSignIn } from './email-code-form';
import { PasskeyOffer } from './passkey-offer';
import { LOGIN_WORDS as WORDS } from './words';
import { Feedback } from '../feedback';

/** Cognito's own email codes (EMAIL_OTP), through the app: the browser never talks to Cognito. */
const NATIVE_CODES = { send: '/api/auth/native/email-code', verify: '/api/auth/native/email-code/verify' };
/** Cognito's codes for sign-in with EMAIL_OTP have 8 digits, and live as long as its session (3 minutes by default). */
const NATIVE_CODE_DIGITS = 8;
const NATIVE_PASSKEYS_API = '/api/account/native-passkeys';

const noChanges = () => () => undefined;
const looksLikeEmail = (email: string) => /^[^\s@]+@[^\s@]+$/.test(email.trim());

/**
 * Cognito-native mode: Cognito needs the email before any challenge, so there is no passkey
 * autofill and no usernameless button. The email, then *Continue* (Cognito emails a code: sign-in
 * and sign-up alike) or *Sign in with a passkey* for that email, or the password; after a code,
 * the offer to create a passkey (at Cognito).
 */
export function NativeSignIn({ next, email }: { next: string; email?: string }) {
  const [offering, setOffering] = useState(false);
  const [pending, setPending] = useState(false);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The server renders as if the browser could (it cannot know); the browser then says.
  const passkeysSupported = useSyncExternalStore(noChanges, browserSupportsWebAuthn, () => true);

  async function signInWithPasskey(typed: string) {
    setError(null);
    if (!looksLikeEmail(typed)) {
      setError(WORDS.passkeyNeedsEmail);
      return document.querySelector<HTMLInputElement>('input[name=email]')?.focus();
    }
    setPending(true);
    const options = await callApi<{ options: PublicKeyCredentialRequestOptionsJSON }>(
      '/api/auth/native/passkey/options',
      { body: { email: typed } },
    );
    if (!options.ok) {
      setPending(false);
      return setError(options.message);
    }
    let response;
    try {
      response = await startAuthentication({ optionsJSON: options.data.options });
    } catch (cause) {
      setPending(false);
      return setError(describeWebAuthnError(cause));
    }
    setVerifying(true);
    const result = await callApi('/api/auth/native/passkey', { body: { email: typed, response } });
    if (result.ok) return window.location.assign(next);
    setPending(false);
    setVerifying(false);
    setError(result.message);
  }

  function codeAccepted({ offerPasskey }: CodeSignIn) {
    if (offerPasskey && passkeysSupported) return setOffering(true);
    window.location.assign(next);
  }

  if (offering) return <PasskeyOffer passkeysApi={NATIVE_PASSKEYS_API} onDone={() => window.location.assign(next)} />;
  return (
    <CodeOrPassword
      next={next}
      initialEmail={email}
      formLabel="Sign in or create an account"
      emailAutoComplete="username"
      endpoints={NATIVE_CODES}
      codeDigits={NATIVE_CODE_DIGITS}
      codeValidity="3 minutes"
      onChooseEmail={() => setError(null)}
      onSignedIn={codeAccepted}
    >
      {(typed) =>
        passkeysSupported && (
          <div className="stack passkey-choice">
            <p className="divider" aria-hidden="true">
              or
            </p>
            <button
              type="button"
              className="secondary"
              onClick={() => signInWithPasskey(typed)}
              disabled={pending || verifying}
              aria-busy={pending || verifying}
            >
              {pending && !verifying ? WORDS.passkeyWaiting : WORDS.passkeyButton}
            </button>
            <Feedback status={verifying ? WORDS.signingIn : null} error={error} />
          </div>
        )
      }
    </CodeOrPassword>
  );
}
