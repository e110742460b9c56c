'use client';

import { startRegistration, WebAuthnAbortService } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useState } from 'react';
import { callApi, describeWebAuthnError } from '@/lib/client/api';
import { leavePasskeyCreatedNotice } from './passkey-created';
import { Feedback } from '../feedback';

/**
 * The step after a code sign-in without a passkey: the user is signed in already, so it has its
 * own heading (the page's "Sign in" intro is hidden beside it, see globals.css). *Not now*
 * never waits for a passkey prompt: it cancels it. *Don't ask again* is kept on the account.
 */
export function PasskeyOffer({
  onDone,
  passkeysApi = '/api/account/passkeys',
}: {
  onDone: () => void;
  /** The layer's passkey routes: `${passkeysApi}/options`, then POST `${passkeysApi}`. */
  passkeysApi?: string;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function createPasskey() {
    setError(null);
    setBusy('Creating your passkey…');
    const options = await callApi<{ options: PublicKeyCredentialCreationOptionsJSON }>(`${passkeysApi}/options`);
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
    const saved = await callApi<{ passkey: { name: string } }>(passkeysApi, { body: { response } });
    if (!saved.ok) {
      setBusy(null);
      return setError(saved.message);
    }
    leavePasskeyCreatedNotice(saved.data.passkey.name);
    setBusy('Passkey created.');
    onDone();
  }

  function notNow() {
    WebAuthnAbortService.cancelCeremony();
    onDone();
  }

  async function dontAskAgain() {
    WebAuthnAbortService.cancelCeremony();
    setError(null);
    setBusy('Saving your choice…');
    const result = await callApi('/api/account/passkey-offer', { body: { skip: true } });
    if (result.ok) return onDone();
    setBusy(null);
    setError(result.message);
  }

  return (
    <section className="passkey-offer stack" aria-labelledby="passkey-offer-title">
      <div>
        <h1 id="passkey-offer-title">Create a passkey for next time?</h1>
        <p className="lead">
          You’re signed in. Next time, sign in with your fingerprint, face or screen lock instead of waiting for a code.
        </p>
      </div>
      <button
        type="button"
        onClick={createPasskey}
        disabled={busy !== null}
        aria-busy={busy === 'Creating your passkey…'}
      >
        Create a passkey
      </button>
      <div className="actions">
        <button type="button" className="secondary" onClick={notNow}>
          Not now
        </button>
        <button type="button" className="link" onClick={dontAskAgain}>
          Don’t ask again
        </button>
      </div>
      <Feedback status={busy} error={error} />
    </section>
  );
}
