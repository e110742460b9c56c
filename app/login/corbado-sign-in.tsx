'use client';

import { CorbadoAuth, CorbadoProvider, useCorbado } from '@corbado/react';
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Corbado mode: Corbado's own sign-up / sign-in component (passkey first, its own fallbacks).
 * Once Corbado reports a sign-in, its session token is exchanged for the app's session
 * (POST /api/auth/session); only then does the page go on to `next`.
 */
export function CorbadoSignIn({ projectId, next }: { projectId: string; next: string }) {
  return (
    <CorbadoProvider projectId={projectId} darkMode="off" telemetry={false}>
      <CorbadoSessionExchange next={next} />
    </CorbadoProvider>
  );
}

function CorbadoSessionExchange({ next }: { next: string }) {
  const { sessionToken, logout } = useCorbado();
  const [signedInWithCorbado, setSignedInWithCorbado] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);

  const exchange = useCallback(
    async (token: string) => {
      setBusy(true);
      setError(null);
      try {
        const response = await fetch('/api/auth/session', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        if (response.ok) {
          window.location.assign(next);
          return;
        }
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? 'Signing in failed. Try again.');
      } catch {
        setError('The network is unreachable. Check your connection and try again.');
      }
      setBusy(false);
    },
    [next],
  );

  // Corbado's callback carries no token; the session token arrives through its context.
  useEffect(() => {
    if (!signedInWithCorbado || !sessionToken || started.current) return;
    started.current = true;
    void exchange(sessionToken);
  }, [signedInWithCorbado, sessionToken, exchange]);

  async function startOver() {
    await logout().catch(() => undefined);
    started.current = false;
    setSignedInWithCorbado(false);
    setError(null);
  }

  if (error) {
    return (
      <div role="alert" className="error">
        <p>{error}</p>
        <button type="button" onClick={() => sessionToken && exchange(sessionToken)} disabled={busy || !sessionToken}>
          Try again
        </button>{' '}
        <button type="button" className="secondary" onClick={startOver} disabled={busy}>
          Use another account
        </button>
      </div>
    );
  }
  if (signedInWithCorbado) {
    return (
      <p aria-live="polite" aria-busy="true">
        Signing you in…
      </p>
    );
  }
  return <CorbadoAuth onLoggedIn={() => setSignedInWithCorbado(true)} />;
}
