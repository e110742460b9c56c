'use client';

import { useState } from 'react';

export function SignOutButton() {
  const [busy, setBusy] = useState(false);

  async function signOut() {
    setBusy(true);
    // Cookies are cleared even when Cognito cannot be reached, so leaving always works.
    await fetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    window.location.assign('/login');
  }

  return (
    <button type="button" className="secondary" onClick={signOut} disabled={busy} aria-busy={busy}>
      {busy ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
