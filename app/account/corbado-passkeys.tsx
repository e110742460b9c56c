'use client';

import { CorbadoAuth, CorbadoProvider, PasskeyList, useCorbado } from '@corbado/react';
import { useEffect, useRef, useState } from 'react';

/**
 * Corbado mode, on /account: the user's passkeys (Corbado's PasskeyList) and a sign-out that
 * leaves both the app and Corbado. A user without a Corbado session (a password user) is
 * offered to create a passkey: Corbado's sign-up with this account's email, which the app then
 * links to this same account (POST /api/auth/session; Corbado must report the email verified).
 */
export function CorbadoPasskeys({ projectId, email }: { projectId: string; email: string }) {
  return (
    <CorbadoProvider projectId={projectId} darkMode="off" telemetry={false}>
      <CorbadoAccount email={email} />
    </CorbadoProvider>
  );
}

async function errorMessage(response: Response | null, fallback: string): Promise<string> {
  const body = (await response?.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? fallback;
}

function CorbadoAccount({ email }: { email: string }) {
  const { loading, isAuthenticated, user, sessionToken, logout } = useCorbado();
  const [signedUp, setSignedUp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const linking = useRef(false);
  const sameAccount = user?.email?.trim().toLowerCase() === email;

  // Corbado's callback carries no token; the session token arrives through its context.
  useEffect(() => {
    if (!signedUp || !sessionToken || linking.current) return;
    linking.current = true;
    void (async () => {
      if (!sameAccount) {
        await logout().catch(() => undefined);
        setError(`Create the passkey with this account's email address, ${email}.`);
      } else {
        setBusy(true);
        const response = await fetch('/api/auth/session', {
          method: 'POST',
          headers: { authorization: `Bearer ${sessionToken}` },
        }).catch(() => null);
        if (response?.ok) {
          window.location.reload();
          return;
        }
        setError(await errorMessage(response, 'The passkey could not be added to this account. Try again.'));
        setBusy(false);
      }
      setSignedUp(false);
      linking.current = false;
    })();
  }, [signedUp, sessionToken, sameAccount, email, logout]);

  async function signOut() {
    setBusy(true);
    // Both sessions end even when one side cannot be reached, so leaving always works.
    await Promise.allSettled([logout(), fetch('/api/auth/logout', { method: 'POST' })]);
    window.location.assign('/login');
  }

  let body;
  if (loading || signedUp) {
    body = <p aria-busy="true">{signedUp ? 'Adding your passkey…' : 'Loading your passkeys…'}</p>;
  } else if (isAuthenticated && sameAccount) {
    body = <PasskeyList />;
  } else if (isAuthenticated) {
    body = (
      <p>
        This browser is signed in to Corbado with another account.{' '}
        <button type="button" className="secondary" onClick={() => void logout()}>
          Sign out of that account
        </button>
      </p>
    );
  } else {
    body = (
      <>
        <p>Add a passkey to sign in without your password. Use this account&apos;s email, {email}.</p>
        <CorbadoAuth initialBlock="signup-init" onLoggedIn={() => setSignedUp(true)} />
      </>
    );
  }

  return (
    <section aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {body}
      <button type="button" className="secondary" onClick={signOut} disabled={busy} aria-busy={busy}>
        {busy ? 'Please wait…' : 'Sign out'}
      </button>
    </section>
  );
}
