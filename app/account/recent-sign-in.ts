import { useCallback, useEffect, useState } from 'react';

/**
 * Whether the recent-sign-in window (adding or deleting a passkey needs a sign-in at most 5
 * minutes old) has closed, from the seconds the server said were left when it rendered the page.
 *
 * A relative count, so a wrong clock in the browser does not matter. A timer alone is not enough
 * (a sleeping laptop pauses it), so the deadline is checked again whenever the tab comes back.
 * The server stays the judge: `expire()` is for when it refuses anyway.
 */
export function useRecentSignInExpired(secondsLeft: number): { expired: boolean; expire: () => void } {
  const [expired, setExpired] = useState(secondsLeft <= 0);
  const expire = useCallback(() => setExpired(true), []);

  useEffect(() => {
    if (secondsLeft <= 0) return;
    const deadline = Date.now() + secondsLeft * 1000;
    const check = () => {
      if (Date.now() >= deadline) setExpired(true);
    };
    const timer = window.setTimeout(check, secondsLeft * 1000);
    document.addEventListener('visibilitychange', check);
    window.addEventListener('focus', check);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', check);
      window.removeEventListener('focus', check);
    };
  }, [secondsLeft]);

  return { expired, expire };
}
