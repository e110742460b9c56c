'use client';

import { CorbadoConnectAppend, CorbadoConnectLogin, CorbadoConnectProvider } from '@corbado/connect-react';
import { useState } from 'react';
import { callApi } from '@/lib/client/api';
import { CodeOrPassword } from './code-or-password';

export interface ConnectProject {
  projectId: string;
  frontendApiUrlSuffix: string;
}

type Step =
  | { kind: 'passkey' }
  | { kind: 'fallback'; identifier: string; message: string | null }
  | { kind: 'append' }
  | { kind: 'signing-in' };

/**
 * Corbado Connect mode. Passkey first: Corbado's login component; its proof
 * (`signedPasskeyData`) is exchanged for the app's session at /api/corbado/connect/sign-in.
 * When it falls back (no passkey, no account, the authenticator refused), the user's email goes
 * into our password form and the email-code path, which is also the sign-up: Connect creates
 * no users. After any sign-in that was not a passkey, Corbado's append component offers a
 * passkey; skipping and completing both go on to `next`.
 */
export function ConnectSignIn({ project, next }: { project: ConnectProject; next: string }) {
  const [step, setStep] = useState<Step>({ kind: 'passkey' });
  const [error, setError] = useState<string | null>(null);
  const finish = async () => window.location.assign(next);
  const offerPasskey = () => setStep({ kind: 'append' });

  async function exchange(signedPasskeyData: string) {
    setError(null);
    setStep({ kind: 'signing-in' });
    const result = await callApi('/api/corbado/connect/sign-in', { body: { signedPasskeyData } });
    if (result.ok) return finish();
    setError(result.message);
    setStep({ kind: 'fallback', identifier: '', message: null });
  }

  async function appendToken(): Promise<string> {
    const result = await callApi<{ token: string }>('/api/corbado/connect/tokens', {
      body: { type: 'passkey-append' },
    });
    if (!result.ok) throw new Error(result.message);
    return result.data.token;
  }

  return (
    <CorbadoConnectProvider projectId={project.projectId} frontendApiUrlSuffix={project.frontendApiUrlSuffix}>
      <div className="stack">
        {step.kind === 'passkey' && (
          <>
            <CorbadoConnectLogin
              onComplete={exchange}
              onFallback={(identifier, message) => setStep({ kind: 'fallback', identifier, message })}
              onLoaded={() => undefined}
              onSignupClick={() => setStep({ kind: 'fallback', identifier: '', message: null })}
            />
            <button
              type="button"
              className="link"
              onClick={() => setStep({ kind: 'fallback', identifier: '', message: null })}
            >
              New here, or no passkey? Use an email code or your password
            </button>
          </>
        )}

        {step.kind === 'signing-in' && (
          <p aria-live="polite" aria-busy="true">
            Signing you in…
          </p>
        )}

        {step.kind === 'fallback' && (
          <div className="stack" data-testid="connect-fallback">
            {step.message && <p className="status">{step.message}</p>}
            <h2>Get a one-time code by email</h2>
            <p className="lead">New here? The code creates your account.</p>
            <CodeOrPassword
              next={next}
              initialEmail={step.identifier}
              passwordFirst={Boolean(step.identifier)}
              formLabel="Sign in or create an account with an email code"
              emailAutoComplete="username"
              onSignedIn={offerPasskey}
              onPasswordSignedIn={offerPasskey}
            />
            <button
              type="button"
              className="link"
              onClick={() => {
                setError(null);
                setStep({ kind: 'passkey' });
              }}
            >
              Try a passkey again
            </button>
          </div>
        )}

        {step.kind === 'append' && (
          <section className="passkey-offer stack" data-testid="connect-append" aria-labelledby="passkey-offer-title">
            <div>
              <h1 id="passkey-offer-title">Add a passkey for next time?</h1>
              <p className="lead">
                You’re signed in. A passkey lets you sign in next time with your fingerprint, face or screen lock.
              </p>
            </div>
            <CorbadoConnectAppend appendTokenProvider={appendToken} onSkip={finish} onComplete={finish} />
          </section>
        )}

        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    </CorbadoConnectProvider>
  );
}
