import 'server-only';
import { passkeyStore } from '../../store';
import type { StoredPasskey } from '../../store/passkey-store';
import { providerName } from '../passkey-names';

export type { StoredPasskey } from '../../store/passkey-store';

/** What the account page shows: no key material; the provider where the AAGUID names one. */
export type PasskeySummary = Pick<
  StoredPasskey,
  'id' | 'name' | 'createdAt' | 'lastUsedAt' | 'backedUp' | 'deviceType'
> & { provider: string | null };

export function findPasskey(id: string): Promise<StoredPasskey | null> {
  return passkeyStore().findPasskey(id);
}

export function listPasskeys(userSub: string): Promise<StoredPasskey[]> {
  return passkeyStore().listPasskeys(userSub);
}

export function summarize(passkey: StoredPasskey): PasskeySummary {
  const { id, name, createdAt, lastUsedAt, backedUp, deviceType, aaguid } = passkey;
  return { id, name, provider: providerName(aaguid), createdAt, lastUsedAt, backedUp, deviceType };
}

/** false when the credential id is already registered (to anyone). */
export function insertPasskey(passkey: StoredPasskey): Promise<boolean> {
  return passkeyStore().insertPasskey(passkey);
}

/**
 * Records a sign-in with the counter it reported. The store repeats the counter check in the
 * update itself, so of two sign-ins racing with the same counter (a cloned authenticator) only
 * one counts; false for the other, and when the passkey was deleted meanwhile.
 */
export function recordPasskeyUse(id: string, counter: number): Promise<boolean> {
  return passkeyStore().recordPasskeyUse(id, counter, Date.now());
}

/** Only the owner's own passkeys can be renamed or deleted; false when there is no such passkey of theirs. */
export function renamePasskey(userSub: string, id: string, name: string): Promise<boolean> {
  return passkeyStore().renamePasskey(userSub, id, name);
}

export function deletePasskey(userSub: string, id: string): Promise<boolean> {
  return passkeyStore().deletePasskey(userSub, id);
}
