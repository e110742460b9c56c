'use client';

import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';

type Step = 'start' | 'code' | 'offer-passkey';

/**
 * Embedded mode: passkey first (autofill on the email field, or the button, no email needed),
 * one-time email code as the fallback and for sign-up, then the offer to create a passkey.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const [step, setStep] = useState<Step>('start');
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [passkeysSupported, setPasskeysSupported] = useState(true);
  const autofillStarted = useRef(false);

  const finish = () => window.location.assign(next);

  async function completeSignIn(optionsPromise: Promise<PublicKeyCredentialRequestOptionsJSON | null>, autofill: boolean) {
    const optionsJSON = await optionsPromise;
    if (!optionsJSON) return;
    let response;
    try {
      response = await startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
    } catch (cause) {
      if (!autofill) setError(describeWebAuthnError(cause));
      return;
    }
    setBusy('Signing you in…');
    const result = await callApi('/api/passkeys/sign-in', { body: { response } });
    if (result.ok) return finish();
    setBusy(null);
    setError(result.message);
  }

  async function fetchSignInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    const result = await callApi<{ options: PublicKeyCredentialRequestOptionsJSON }>('/api/passkeys/sign-in/options');
    if (result.ok) return result.data.options;
    setError(result.message);
    return null;
  }

  useEffect(() => {
    setPasskeysSupported(browserSupportsWebAuthn());
    if (autofillStarted.current) return;
    autofillStarted.current = true;
    void browserSupportsWebAuthnAutofill().then((supported) => {
      if (supported) void completeSignIn(fetchSignInOptions(), true);
    });
    // Once per page (the ref survives React's development double-run): the autofill request
    // waits in the background until the user picks a passkey from the email field.
  }, []);

  async function signInWithPasskey() {
    setError(null);
    setBusy('Waiting for your passkey…');
    await completeSignIn(fetchSignInOptions(), false);
    setBusy(null);
  }

  async function sendCode(event?: FormEvent) {
    event?.preventDefault();
    setError(null);
    setBusy('Sending a code…');
    const result = await callApi('/api/auth/email-code', { body: { email } });
    setBusy(null);
    if (!result.ok) return setError(result.message);
    setStep('code');
    setStatus(`We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
  }

  async function verifyCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '').trim();
    setError(null);
    setBusy('Checking the code…');
    const result = await callApi<{ hasPasskey: boolean }>('/api/auth/email-code/verify', { body: { email, code } });
    setBusy(null);
    if (!result.ok) return setError(result.message);
    if (!result.data.hasPasskey && passkeysSupported) {
      setStatus(null);
      return setStep('offer-passkey');
    }
    finish();
  }

  async function createPasskey() {
    setError(null);
    setBusy('Creating your passkey…');
    const options = await callApi<{ options: PublicKeyCredentialCreationOptionsJSON }>('/api/account/passkeys/options');
    if (!options.ok) {
      setBusy(null);
      return setError(options.message);
    }
    let response;
    try {
      response = await startRegistration({ optionsJSON: options.data.options });
    } catch (cause) {
      setBusy(null);
      return setError(describeWebAuthnError(cause));
    }
    const saved = await callApi('/api/account/passkeys', { body: { response, name: 'This device' } });
    if (!saved.ok) {
      setBusy(null);
      return setError(saved.message);
    }
    finish();
  }

  return (
    <div className="stack">
      {step === 'start' && (
        <>
          <form onSubmit={sendCode} aria-label="Sign in or create an account">
            <label>
              Email
              <input
                name="email"
                type="email"
                autoComplete="username webauthn"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            </label>
            <button type="submit" className="secondary" disabled={busy !== null}>
              Email me a code
            </button>
          </form>
          {passkeysSupported && (
            <button type="button" onClick={signInWithPasskey} disabled={busy !== null} aria-busy={busy !== null}>
              Sign in with a passkey
            </button>
          )}
        </>
      )}

      {step === 'code' && (
        <form onSubmit={verifyCode} aria-label="Enter your code">
          <label>
            6-digit code
            <input name="code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" required autoFocus />
          </label>
          <button type="submit" disabled={busy !== null} aria-busy={busy !== null}>
            Continue
          </button>
          <button type="button" className="link" onClick={() => sendCode()} disabled={busy !== null}>
            Send a new code
          </button>
          <button type="button" className="link" onClick={() => setStep('start')} disabled={busy !== null}>
            Use another email
          </button>
        </form>
      )}

      {step === 'offer-passkey' && (
        <div className="stack" role="group" aria-labelledby="offer-title">
          <h2 id="offer-title">Create a passkey for next time?</h2>
          <p className="lead">Sign in with your fingerprint, face or screen lock instead of waiting for a code.</p>
          <button type="button" onClick={createPasskey} disabled={busy !== null} aria-busy={busy !== null}>
            Create a passkey
          </button>
          <button type="button" className="secondary" onClick={finish} disabled={busy !== null}>
            Not now
          </button>
        </div>
      )}

      <p className="status" role="status" aria-live="polite">
        {busy ?? status}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
