/**
 * The change a user asked for when their sign-in was too old for it (adding or deleting a
 * passkey needs one within 5 minutes): kept across the "confirm it's you" sign-in, and done
 * once when they come back.
 *
 * The action itself stays in this tab's sessionStorage; the URL carries only a random marker
 * (`/account?resume=<nonce>`) through the login page's `next`. So a link someone else crafted
 * cannot make /account delete anything (it has no matching entry), and the entry is removed
 * and the marker taken off the address before the action runs: a reload, Back or a second
 * visit to the same URL never repeats it.
 */

export type PendingAction = { kind: 'add' } | { kind: 'delete'; id: string; name: string };

const KEY = 'account:pending-action';
const PARAM = 'resume';
/** A confirmation abandoned for longer than this is forgotten. */
const MAX_AGE_MS = 15 * 60_000;

interface Stored {
  nonce: string;
  action: PendingAction;
  at: number;
}

function randomNonce(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Where "Confirm it's you" goes: the login page in re-authentication mode, back to /account after. */
export function confirmationUrl(action: PendingAction | null): string {
  let next = '/account';
  if (action) {
    const stored: Stored = { nonce: randomNonce(), action, at: Date.now() };
    sessionStorage.setItem(KEY, JSON.stringify(stored));
    next = `/account?${PARAM}=${stored.nonce}`;
  }
  return `/login?reauth=1&next=${encodeURIComponent(next)}`;
}

function parse(raw: string | null): Stored | null {
  try {
    const stored = raw ? (JSON.parse(raw) as Stored) : null;
    return stored && typeof stored.nonce === 'string' && typeof stored.at === 'number' ? stored : null;
  } catch {
    return null;
  }
}

/**
 * The action to do now, if this page load is the return from its confirmation; null otherwise.
 * Either way the marker and the entry are gone afterwards.
 */
export function takeResumedAction(): PendingAction | null {
  const url = new URL(window.location.href);
  const nonce = url.searchParams.get(PARAM);
  if (!nonce) return null;
  const stored = parse(sessionStorage.getItem(KEY));
  sessionStorage.removeItem(KEY);
  url.searchParams.delete(PARAM);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  if (!stored || stored.nonce !== nonce || Date.now() - stored.at > MAX_AGE_MS) return null;
  return stored.action;
}
