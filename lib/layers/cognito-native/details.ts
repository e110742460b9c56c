import 'server-only';
import {
  convertAAGUIDToString,
  decodeAttestationObject,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { getConfig } from '../../config';
import { passkeyStore } from '../../store';
import type { PasskeyDetails } from '../../store/passkey-store';
import { log } from '../../telemetry/log';

/**
 * The details of Cognito's passkeys that Cognito does not keep (lib/store/passkey-store.ts,
 * PasskeyDetails): the AAGUID, read from the registration response on its way to Cognito, our
 * own name (Cognito has no rename call) and the last sign-in the app answered. They only label
 * a passkey: a missing store, or one that fails, never stops a sign-in or a registration; the
 * failure is logged and the page shows less.
 */

/**
 * The AAGUID in a RegistrationResponseJSON's attestationObject (the authenticator data's
 * attested credential data), as "xxxxxxxx-xxxx-...", or null when the response carries none
 * or is not one. Read only to name the passkey's provider, never to decide anything.
 */
export function aaguidOfRegistration(response: unknown): string | null {
  try {
    const encoded = (response as { response?: { attestationObject?: unknown } }).response?.attestationObject;
    if (typeof encoded !== 'string' || encoded.length > 16 * 1024) return null;
    const authData = decodeAttestationObject(isoBase64URL.toBuffer(encoded)).get('authData');
    const aaguid = parseAuthenticatorData(authData).aaguid;
    return aaguid ? convertAAGUIDToString(aaguid) : null;
  } catch {
    return null;
  }
}

/** The credential id a WebAuthn response names, if it is a plausible one (base64url, at most 1024 characters). */
export function credentialIdOf(response: unknown): string | null {
  const id = (response as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 1024 && /^[\w-]+$/.test(id) ? id : null;
}

/** The store, when one is configured (the native layer runs without one, showing less). */
function detailsStore() {
  return getConfig().passkeyStore ? passkeyStore() : null;
}

/** Runs a details write or read; a failure is logged and answered with `fallback`. */
async function bestEffort<T>(what: string, run: (store: ReturnType<typeof passkeyStore>) => Promise<T>, fallback: T) {
  const store = detailsStore();
  if (!store) return fallback;
  try {
    return await run(store);
  } catch (error) {
    log.warn('passkey_details_unavailable', { what, error });
    return fallback;
  }
}

export function saveNativePasskeyDetails(details: PasskeyDetails): Promise<boolean> {
  return bestEffort('save', (store) => store.savePasskeyDetails(details), false);
}

export function recordNativePasskeyUse(userSub: string, credentialId: string): Promise<boolean> {
  return bestEffort('record_use', (store) => store.recordPasskeyDetailsUse(userSub, credentialId, Date.now()), false);
}

export function findNativePasskeyDetails(
  userSub: string,
  credentialIds: readonly string[],
): Promise<Map<string, PasskeyDetails>> {
  return bestEffort('find', (store) => store.findPasskeyDetails(userSub, credentialIds), new Map());
}

export function deleteNativePasskeyDetails(userSub: string, credentialId: string): Promise<boolean> {
  return bestEffort('delete', (store) => store.deletePasskeyDetails(userSub, credentialId), false);
}

/** Renaming is the one details write a person waits for: no store, no rename (the caller says so). */
export async function renameNativePasskeyDetails(
  userSub: string,
  credentialId: string,
  name: string,
): Promise<boolean> {
  const store = detailsStore();
  if (!store) return false;
  return store.renamePasskeyDetails(userSub, credentialId, name);
}

export const canRenameNativePasskeys = () => detailsStore() !== null;
