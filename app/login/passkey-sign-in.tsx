'use client';

import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
} from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';
import { CodeOrPassword } from './code-or-password';
import type { CodeSignIn } from './email-code-form';
import { PasskeyOffer } from './passkey-offer';
import { LOGIN_WORDS as WORDS } from './words';
import { Feedback } from '../feedback';

type PasskeyOutcome = { signedIn: true } | { signedIn: false; message: string | null };

/**
 * One passkey sign-in: the options, the browser's ceremony (from the email field's autofill, or
 * the button), the server's check. A cancelled or aborted ceremony ends with no message, and so
 * does any refusal of an autofill request, which waits in the background unasked.
 */
async function signInWithPasskey(autofill: boolean, onVerifying: () => void): Promise<PasskeyOutcome> {
  const options = await callApi<{ options: PublicKeyCredentialRequestOptionsJSON }>('/api/passkeys/sign-in/options');
  if (!options.ok) return { signedIn: false, message: options.message };
  let response;
  try {
    response = await startAuthentication({ optionsJSON: options.data.options, useBrowserAutofill: autofill });
  } catch (cause) {
    return { signedIn: false, message: autofill ? null : describeWebAuthnError(cause) };
  }
  onVerifying();
  const result = await callApi('/api/passkeys/sign-in', { body: { response } });
  return result.ok ? { signedIn: true } : { signedIn: false, message: result.message };
}

/**
 * Self-hosted mode: the email and one primary *Continue* (a one-time code: sign-in and sign-up
 * alike), with passkeys offered in the email field's autofill and by a secondary button that
 * needs no email; after a code, the offer to create a passkey. Choosing the email path cancels a
 * pending passkey request: it never holds up the code. `email` pre-fills the field (a signed-in
 * user confirming who they are).
 */
export function PasskeySignIn({ next, email }: { next: string; email?: string }) {
  const [offering, setOffering] = useState(false);
  const [passkeyPending, setPasskeyPending] = useState(false);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [passkeysSupported, setPasskeysSupported] = useState(true);
  const autofillStarted = useRef(false);

  useEffect(() => {
    setPasskeysSupported(browserSupportsWebAuthn());
    // Once per page (the ref survives React's development double-run): the autofill request
    // waits in the background until the user picks a passkey from the email field.
    if (autofillStarted.current) return;
    autofillStarted.current = true;
    void browserSupportsWebAuthnAutofill().then(async (supported) => {
      if (!supported) return;
      const outcome = await signInWithPasskey(true, () => setVerifying(true));
      if (outcome.signedIn) return window.location.assign(next);
      setVerifying(false);
      if (outcome.message) setError(outcome.message);
    });
  }, [next]);

  async function passkeyButton() {
    setError(null);
    setPasskeyPending(true);
    const outcome = await signInWithPasskey(false, () => setVerifying(true));
    if (outcome.signedIn) return window.location.assign(next);
    setPasskeyPending(false);
    setVerifying(false);
    setError(outcome.message);
    // The way on is the email path: the focus goes to its field.
    if (outcome.message) document.querySelector<HTMLInputElement>('input[name=email]')?.focus();
  }

  function chooseEmail() {
    // Ends the button's request and the autofill one alike (one ceremony at a time).
    WebAuthnAbortService.cancelCeremony();
    setPasskeyPending(false);
    setError(null);
  }

  function codeAccepted({ offerPasskey }: CodeSignIn) {
    if (offerPasskey && passkeysSupported) return setOffering(true);
    window.location.assign(next);
  }

  if (offering) return <PasskeyOffer onDone={() => window.location.assign(next)} />;
  return (
    <CodeOrPassword
      next={next}
      initialEmail={email}
      formLabel="Sign in or create an account"
      emailAutoComplete="username webauthn"
      onChooseEmail={chooseEmail}
      onSignedIn={codeAccepted}
    >
      {passkeysSupported && (
        <div className="stack passkey-choice">
          <p className="divider" aria-hidden="true">
            or
          </p>
          <button
            type="button"
            className="secondary"
            onClick={passkeyButton}
            disabled={passkeyPending || verifying}
            aria-busy={passkeyPending || verifying}
          >
            {passkeyPending && !verifying ? WORDS.passkeyWaiting : WORDS.passkeyButton}
          </button>
          <Feedback status={verifying ? WORDS.signingIn : null} error={error} />
        </div>
      )}
    </CodeOrPassword>
  );
}
