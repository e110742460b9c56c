import 'server-only';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import {
  completeWebAuthnRegistration,
  deleteWebAuthnCredential,
  listWebAuthnCredentials,
  startWebAuthnRegistration,
} from '../../cognito/webauthn-credentials';
import { AppError } from '../../errors';
import { newPasskeyName, providerName } from '../passkey-names';
import type { CookieReader } from '../../session/cookies';
import { sessionAccessToken, type SessionUser } from '../../session/session';
import { audit } from '../../telemetry/audit';
import { log } from '../../telemetry/log';
import { findUserByUsername } from '../../cognito/users';
import {
  aaguidOfRegistration,
  credentialIdOf,
  deleteNativePasskeyDetails,
  findNativePasskeyDetails,
  renameNativePasskeyDetails,
  saveNativePasskeyDetails,
} from './details';

/**
 * The signed-in user's own passkeys at Cognito, for /account: listed, added and deleted with
 * the four calls and the user's access token (Cognito keeps the credentials and checks the
 * registration itself), renamed in the store beside them. The route handlers check the session
 * (and the recent sign-in for adding and deleting) first, as for every layer.
 */

/** What /account shows of a passkey: no key material. */
export interface NativePasskeySummary {
  id: string;
  name: string;
  /** The provider that keeps it ("Google Password Manager", "iCloud Keychain"), when its AAGUID is known. */
  provider: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  lastUsedAt: number | null;
}

const DEFAULT_NAME = 'Passkey';

async function accessTokenOf(cookies: CookieReader): Promise<string> {
  const token = await sessionAccessToken(cookies);
  if (!token) throw new AppError('unauthenticated');
  return token;
}

/** The user's passkeys, oldest first, with what the store knows beside Cognito. 1 Cognito call. */
export async function listNativePasskeys(cookies: CookieReader, user: SessionUser): Promise<NativePasskeySummary[]> {
  const passkeys = await listWebAuthnCredentials(await accessTokenOf(cookies));
  const details = await findNativePasskeyDetails(
    user.sub,
    passkeys.map((passkey) => passkey.credentialId),
  );
  return passkeys
    .map((passkey) => {
      const known = details.get(passkey.credentialId);
      const provider = providerName(known?.aaguid);
      return {
        id: passkey.credentialId,
        name: known?.name ?? passkey.friendlyName ?? provider ?? DEFAULT_NAME,
        provider,
        createdAt: known?.createdAt ?? passkey.createdAt,
        lastUsedAt: known?.lastUsedAt ?? null,
      };
    })
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** Cognito's creation options for a new passkey of the signed-in user. 1 Cognito call. */
export async function startNativePasskeyRegistration(
  cookies: CookieReader,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return (await startWebAuthnRegistration(
    await accessTokenOf(cookies),
  )) as unknown as PublicKeyCredentialCreationOptionsJSON;
}

/**
 * Hands the browser's new credential to Cognito, which verifies it against the challenge it
 * issued to this user; then keeps its details (AAGUID, name, when). 1 Cognito call.
 */
export async function finishNativePasskeyRegistration(
  cookies: CookieReader,
  user: SessionUser,
  response: unknown,
  userAgent: string | null,
): Promise<NativePasskeySummary> {
  const id = credentialIdOf(response);
  if (!id) throw new AppError('passkey_rejected');
  if ((await completeWebAuthnRegistration(await accessTokenOf(cookies), response)) === 'refused') {
    log.warn('passkey_rejected', { layer: 'cognito-native', reason: 'registration refused by Cognito' });
    throw new AppError('passkey_rejected');
  }
  const aaguid = aaguidOfRegistration(response);
  const name = newPasskeyName(aaguid, userAgent);
  const createdAt = Date.now();
  await saveNativePasskeyDetails({ credentialId: id, userSub: user.sub, aaguid, name, createdAt, lastUsedAt: null });
  audit('passkey_added', { sub: user.sub, passkeyId: id });
  return { id, name, provider: providerName(aaguid), createdAt, lastUsedAt: null };
}

/**
 * Our own name for one of the user's passkeys: only one Cognito lists for them (so nobody
 * names another's credential), kept in the store. 1 Cognito call.
 */
export async function renameNativePasskey(
  cookies: CookieReader,
  user: SessionUser,
  id: string,
  name: string,
): Promise<boolean> {
  const theirs = await listWebAuthnCredentials(await accessTokenOf(cookies));
  if (!theirs.some((passkey) => passkey.credentialId === id)) return false;
  if (!(await renameNativePasskeyDetails(user.sub, id, name))) {
    throw new AppError('invalid_request', 'Passkeys cannot be renamed on this server.');
  }
  return true;
}

/** Deletes one of the user's passkeys at Cognito, then its details. 1 Cognito call. */
export async function deleteNativePasskey(cookies: CookieReader, user: SessionUser, id: string): Promise<boolean> {
  if (!(await deleteWebAuthnCredential(await accessTokenOf(cookies), id))) return false;
  await deleteNativePasskeyDetails(user.sub, id);
  audit('passkey_removed', { sub: user.sub, passkeyId: id });
  return true;
}

/**
 * Whether /login offers a passkey after an email-code sign-in (with the new session's access
 * token): not to a user who has one at Cognito, nor to one who chose "Don't ask again" (kept on
 * the Cognito user, as in every layer). 2 Cognito calls (ListWebAuthnCredentials, AdminGetUser).
 */
export async function nativePasskeyOfferFor(
  accessToken: string,
  user: Pick<SessionUser, 'username'>,
): Promise<{ hasPasskey: boolean; offerPasskey: boolean }> {
  const hasPasskey = (await listWebAuthnCredentials(accessToken)).length > 0;
  if (hasPasskey) return { hasPasskey, offerPasskey: false };
  return { hasPasskey, offerPasskey: !(await findUserByUsername(user.username))?.skipsPasskeyOffer };
}
