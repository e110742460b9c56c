import 'server-only';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { audit } from '../../telemetry/audit';
import { getConfig } from '../../config';
import { AppError } from '../../errors';
import { log } from '../../telemetry/log';
import type { CookieReader, CookieToSet } from '../../session/cookies';
import type { SessionUser } from '../../session/session';
import { newPasskeyName, passkeyName, printableName } from '../passkey-names';
import { rememberChallenge, takeChallenge, CEREMONY_SECONDS } from './ceremony';
import { findPasskey, insertPasskey, listPasskeys, recordPasskeyUse, type StoredPasskey } from './credentials';

/**
 * The self-hosted passkey layer (embedded mode): discoverable credentials with user
 * verification required, relying party from APP_ORIGIN, challenges bound to the browser.
 */

const TIMEOUT_MS = CEREMONY_SECONDS * 1000;

/**
 * The browser's WebAuthn response in a request body: any JSON, or none. SimpleWebAuthn checks
 * its shape once the ceremony's challenge is taken, and a malformed one is refused as
 * `passkey_rejected`, like one that does not verify (not as `invalid_request`); a sign-in
 * retried after Cognito's quota uses the kept proof and ignores it (lib/sign-in/retry.ts).
 */
export const webauthnResponseField = z.unknown().optional();

/** The challenge the browser says it answered (checked again by the verifier against ours). */
function claimedChallenge(response: unknown): string {
  try {
    const encoded = (response as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
    if (typeof encoded !== 'string' || encoded.length > 4096) return '';
    const clientData = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' ? clientData.challenge : '';
  } catch {
    return '';
  }
}

function rejected(reason: string, error?: unknown, message?: string): AppError {
  log.warn('passkey_rejected', { reason, error: error instanceof Error ? error.message : undefined });
  return new AppError('passkey_rejected', message);
}

/**
 * A passkey this site no longer knows (deleted on /account, or its account removed): "try again"
 * can never work, so the user is sent to the code. It names no account and no email.
 */
const UNKNOWN_PASSKEY =
  'This passkey is no longer registered here (it may have been deleted). Sign in with an email code instead: enter your email and choose Continue.';

/** Options for signing in with any passkey of this site (button or autofill); no email needed. */
export async function startPasskeySignIn(
  cookies: CookieReader,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; cookie: CookieToSet }> {
  const { relyingParty } = getConfig();
  const options = await generateAuthenticationOptions({
    rpID: relyingParty.id,
    userVerification: 'required',
    timeout: TIMEOUT_MS,
  });
  return { options, cookie: await rememberChallenge(cookies, 'authenticate', options.challenge, null) };
}

/** Verifies a sign-in assertion; returns the passkey's owner. */
export async function finishPasskeySignIn(cookies: CookieReader, response: unknown): Promise<StoredPasskey> {
  const ceremony = await takeChallenge(cookies, 'authenticate', claimedChallenge(response));
  if (!ceremony) throw rejected('unknown, expired, used or foreign challenge');
  const id = (response as { id?: unknown }).id;
  const passkey = typeof id === 'string' && id.length <= 1024 ? await findPasskey(id) : null;
  if (!passkey) throw rejected('unknown credential', undefined, UNKNOWN_PASSKEY);
  const { relyingParty } = getConfig();
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: relyingParty.origin,
      expectedRPID: relyingParty.id,
      credential: {
        id: passkey.id,
        publicKey: passkey.publicKey,
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: true,
    });
  } catch (error) {
    throw rejected('assertion did not verify', error);
  }
  if (!verification.verified || !verification.authenticationInfo.userVerified) throw rejected('not verified');
  if (!(await recordPasskeyUse(passkey.id, verification.authenticationInfo.newCounter))) {
    throw rejected('counter already used by a concurrent sign-in, or passkey deleted');
  }
  return passkey;
}

/** Options to add a passkey to the signed-in user's account; their existing ones are excluded. */
export async function startPasskeyRegistration(
  cookies: CookieReader,
  user: SessionUser,
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; cookie: CookieToSet }> {
  const { relyingParty } = getConfig();
  const options = await generateRegistrationOptions({
    rpName: relyingParty.name,
    rpID: relyingParty.id,
    userName: user.email,
    userDisplayName: user.email,
    userID: new TextEncoder().encode(user.sub),
    attestationType: 'none',
    timeout: TIMEOUT_MS,
    excludeCredentials: (await listPasskeys(user.sub)).map(({ id, transports }) => ({ id, transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  return { options, cookie: await rememberChallenge(cookies, 'register', options.challenge, user.sub) };
}

/**
 * Verifies a new credential and stores it for the signed-in user, under the name asked for, or
 * else named after its provider (from the AAGUID) or the device `userAgent` describes.
 */
export async function finishPasskeyRegistration(
  cookies: CookieReader,
  user: SessionUser,
  response: unknown,
  requestedName: string | undefined,
  userAgent: string | null = null,
): Promise<StoredPasskey> {
  const ceremony = await takeChallenge(cookies, 'register', claimedChallenge(response));
  if (!ceremony || ceremony.userSub !== user.sub) throw rejected('unknown, expired, used or foreign challenge');
  const { relyingParty } = getConfig();
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: relyingParty.origin,
      expectedRPID: relyingParty.id,
      requireUserVerification: true,
    });
  } catch (error) {
    throw rejected('registration did not verify', error);
  }
  if (!verification.verified) throw rejected('registration not verified');
  const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verification.registrationInfo;
  const passkey: StoredPasskey = {
    id: credential.id,
    userSub: user.sub,
    email: user.email,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: knownTransports(credential.transports),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    aaguid,
    name: printableName(requestedName) ?? passkeyName(newPasskeyName(aaguid, userAgent)),
    createdAt: Date.now(),
    lastUsedAt: null,
  };
  if (!(await insertPasskey(passkey))) throw rejected('credential already registered');
  audit('passkey_added', { sub: user.sub, passkeyId: passkey.id });
  return passkey;
}

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The transports WebAuthn defines, once each: the browser's list is stored and sent back in options. */
function knownTransports(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return [
    ...new Set(
      input.filter((transport): transport is string => typeof transport === 'string' && TRANSPORTS.has(transport)),
    ),
  ];
}
