'use client';

import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

const ReportSignedOut = createContext<() => void>(() => undefined);

/** For the page's parts: an answer said the session is gone (401). */
export const useReportSignedOut = () => useContext(ReportSignedOut);

/**
 * /account in a tab that outlived its session (signed out in another tab, or expired): as soon
 * as the tab is looked at again, or any action is refused as signed out, the whole card becomes
 * one state that says so and leads to sign-in, instead of "You are signed in." beside an error.
 */
export function SessionWatch({ children }: { children: ReactNode }) {
  const [signedOut, setSignedOut] = useState(false);

  useEffect(() => {
    const check = async () => {
      if (document.visibilityState !== 'visible') return;
      const answer = await fetch('/api/auth/me', { cache: 'no-store' }).catch(() => null);
      if (answer?.status === 401) setSignedOut(true);
    };
    document.addEventListener('visibilitychange', check);
    window.addEventListener('focus', check);
    return () => {
      document.removeEventListener('visibilitychange', check);
      window.removeEventListener('focus', check);
    };
  }, []);

  if (signedOut) {
    return (
      <div className="stack" data-testid="signed-out">
        <div>
          <h1>You are signed out</h1>
          <p className="lead">
            This tab still showed your account, but you have signed out (in another tab, or your session ended).
          </p>
        </div>
        <p>
          <a className="button" href="/login?next=/account">
            Sign in again
          </a>
        </p>
      </div>
    );
  }
  return <ReportSignedOut.Provider value={() => setSignedOut(true)}>{children}</ReportSignedOut.Provider>;
}
