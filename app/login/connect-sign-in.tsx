'use client';

import { CorbadoConnectAppend, CorbadoConnectLogin, CorbadoConnectProvider } from '@corbado/connect-react';
import { useRef, useState } from 'react';
import { callApi } from '@/lib/client/api';
import { CodeOrPassword } from './code-or-password';
import './corbado-connect.css';

export interface ConnectProject {
  projectId: string;
  frontendApiUrlSuffix: string;
}

type Step =
  | { kind: 'passkey' }
  | { kind: 'fallback'; identifier: string; passwordFirst: boolean }
  | { kind: 'append' }
  | { kind: 'signing-in' };

/**
 * Corbado Connect mode. Passkey first: Corbado's login component; its proof
 * (`signedPasskeyData`) is exchanged for the app's session at /api/corbado/connect/sign-in.
 * When it falls back, the email typed into it goes on to our code-or-password step, which is also
 * the sign-up (Connect creates no users). An email Corbado has no passkey for and one it has no
 * user for land on the same step, code first, with no message from Corbado, so the screen says
 * nothing about whether an account exists; after the authenticator refused a passkey ("Use
 * password instead"), the password form comes first. After any sign-in that was not a passkey,
 * Corbado's append component offers a passkey; skipping and completing both go on to `next`.
 */
export function ConnectSignIn({ project, next }: { project: ConnectProject; next: string }) {
  const [step, setStep] = useState<Step>({ kind: 'passkey' });
  const [error, setError] = useState<string | null>(null);
  // Corbado calls onError when the authenticator refused, before its "Use password instead".
  const passkeyRefused = useRef(false);
  const fallBack = (identifier: string) =>
    setStep({ kind: 'fallback', identifier, passwordFirst: Boolean(identifier) && passkeyRefused.current });
  const finish = async () => window.location.assign(next);
  const offerPasskey = () => setStep({ kind: 'append' });

  async function exchange(signedPasskeyData: string) {
    setError(null);
    setStep({ kind: 'signing-in' });
    const result = await callApi('/api/corbado/connect/sign-in', { body: { signedPasskeyData } });
    if (result.ok) return finish();
    setError(result.message);
    fallBack('');
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
            {/* No onSignupClick: the link below is the way in for newcomers, in the app's words. */}
            <CorbadoConnectLogin
              onComplete={exchange}
              onError={() => (passkeyRefused.current = true)}
              onFallback={(identifier) => fallBack(identifier)}
              onLoaded={() => undefined}
            />
            <button type="button" className="link" onClick={() => fallBack('')}>
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
          <div className="stack connect-fallback" data-testid="connect-fallback">
            {/* Hidden once the code step (its own heading) is shown: corbado-connect.css. */}
            <div className="connect-fallback-intro">
              <h2>Get a one-time code by email</h2>
              <p className="lead">New here? The code creates your account.</p>
            </div>
            <CodeOrPassword
              next={next}
              initialEmail={step.identifier}
              passwordFirst={step.passwordFirst}
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
                passkeyRefused.current = false;
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
