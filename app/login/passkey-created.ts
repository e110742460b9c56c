/**
 * The passkey offer (after a code sign-in) goes on to the next page at once; the confirmation
 * that the passkey exists is shown there (/account), from this tab's sessionStorage, once.
 */
const KEY = 'login:passkey-created';

export function leavePasskeyCreatedNotice(name: string): void {
  sessionStorage.setItem(KEY, name);
}

/** The name of the passkey just created from the offer, once; null otherwise. */
export function takePasskeyCreatedNotice(): string | null {
  const name = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  return name;
}
