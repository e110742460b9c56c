import { KeyObject } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify, errors, type CryptoKey } from 'jose';
import { challengeKeyId, challengeKeySet, isP256PublicKey, type ChallengeKeySet } from './keys';

/**
 * The answer to Cognito's CUSTOM_CHALLENGE: a short-lived ES256 JWT, signed by the app's
 * private key after it has verified the user's passkey, email code or Corbado session,
 * bound to the challenge's nonce, the Cognito username and the app client id.
 *
 * Shared by the app (signs) and the verify-auth-challenge trigger (verifies, holding only the
 * public key). It is bundled into the Lambda, so it imports nothing but `jose` and node:crypto.
 *
 * The header names the signing key by `kid` (its RFC 7638 thumbprint, keys.ts), so the trigger
 * can trust the current and the next key at once while the app's key is rotated.
 */

export const ASSERTION_ISSUER = 'cognito-passkeys';
export const ASSERTION_TYPE = 'cognito-challenge+jwt';
export const ASSERTION_MAX_TTL_SECONDS = 60;
const ALGORITHM = 'ES256';

type Key = CryptoKey | KeyObject;

/** Why an answer was refused: the verify trigger logs it, to watch a key rotation by. */
export type AssertionRefusal =
  /** Not a compact JWS of ours: not a string, too long, undecodable, wrong alg or typ. */
  | 'malformed'
  /** Signed by a key the trigger does not hold (removed too early, or never added). */
  | 'unknown_kid'
  /** No kid while several keys are trusted: which one is meant cannot be known. */
  | 'missing_kid'
  /** The trusted key is not an EC P-256 public key (a misbuilt set): nothing it signs can be checked. */
  | 'wrong_key_type'
  | 'bad_signature'
  | 'expired'
  /** Issuer, subject, audience, nonce, age or lifetime not those of this challenge. */
  | 'wrong_claims';

export type AssertionCheck = { valid: true; kid: string } | { valid: false; reason: AssertionRefusal; kid?: string };

const MAX_KID_LENGTH = 128;
const signingKeyIds = new WeakMap<object, string>();

/** The signing key's kid, computed once per key. */
function signingKeyId(privateKey: Key): string {
  let kid = signingKeyIds.get(privateKey);
  if (!kid) {
    kid = challengeKeyId(privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey));
    signingKeyIds.set(privateKey, kid);
  }
  return kid;
}

export interface AssertionBinding {
  /** The nonce from the challenge's parameters. */
  nonce: string;
  /** The Cognito username (the internal one, as the challenge parameters name it). */
  username: string;
  /** The app client the challenge was started for. */
  clientId: string;
}

export async function signChallengeAssertion(
  privateKey: Key,
  binding: AssertionBinding,
  ttlSeconds = 30,
): Promise<string> {
  if (ttlSeconds <= 0 || ttlSeconds > ASSERTION_MAX_TTL_SECONDS) {
    throw new RangeError(`assertion lifetime must be 1..${ASSERTION_MAX_TTL_SECONDS} s`);
  }
  return new SignJWT({ nonce: binding.nonce })
    .setProtectedHeader({ alg: ALGORITHM, typ: ASSERTION_TYPE, kid: signingKeyId(privateKey) })
    .setIssuer(ASSERTION_ISSUER)
    .setSubject(binding.username)
    .setAudience(binding.clientId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/**
 * true only for an assertion signed by one of the trusted keys (the one its kid names; with a
 * single trusted key a missing kid is allowed, as assertions before key ids carried none),
 * unexpired, issued at most 60 s ago, for exactly this nonce, username and client. Anything
 * else is a wrong answer.
 */
export async function isValidChallengeAssertion(
  answer: unknown,
  publicKeys: ChallengeKeySet | Key,
  expected: AssertionBinding,
): Promise<boolean> {
  return (await checkChallengeAssertion(answer, publicKeys, expected)).valid;
}

/** isValidChallengeAssertion, saying why an answer is refused and which key it named. */
export async function checkChallengeAssertion(
  answer: unknown,
  publicKeys: ChallengeKeySet | Key,
  expected: AssertionBinding,
): Promise<AssertionCheck> {
  if (typeof answer !== 'string' || answer.length > 4096) return { valid: false, reason: 'malformed' };
  let header;
  try {
    header = decodeProtectedHeader(answer);
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  const keys = publicKeys instanceof Map ? publicKeys : singleKey(publicKeys as Key);
  if (!keys) return { valid: false, reason: 'wrong_key_type' };
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH))
    return { valid: false, reason: 'malformed' };
  let key: KeyObject | undefined;
  if (kid === undefined) {
    if (keys.size !== 1) return { valid: false, reason: 'missing_kid' };
    key = [...keys.values()][0];
  } else {
    key = keys.get(kid);
    if (!key) return { valid: false, reason: 'unknown_kid', kid };
  }
  // The set is validated when built; this holds even for a map put together by hand.
  if (!key || !isP256PublicKey(key)) return { valid: false, reason: 'wrong_key_type', kid };
  const usedKid = kid ?? [...keys.keys()][0]!;
  if (!expected.nonce) return { valid: false, reason: 'wrong_claims', kid: usedKid };
  try {
    const { payload } = await jwtVerify(answer, key, {
      algorithms: [ALGORITHM],
      typ: ASSERTION_TYPE,
      issuer: ASSERTION_ISSUER,
      subject: expected.username,
      audience: expected.clientId,
      maxTokenAge: `${ASSERTION_MAX_TTL_SECONDS}s`,
      requiredClaims: ['exp', 'iat', 'nonce'],
    });
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    const right = payload.nonce === expected.nonce && lifetime > 0 && lifetime <= ASSERTION_MAX_TTL_SECONDS;
    return right ? { valid: true, kid: usedKid } : { valid: false, reason: 'wrong_claims', kid: usedKid };
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return { valid: false, reason: 'bad_signature', kid: usedKid };
    // JWTExpired is also raised for a token older than maxTokenAge.
    if (error instanceof errors.JWTExpired) return { valid: false, reason: 'expired', kid: usedKid };
    if (error instanceof errors.JWTClaimValidationFailed) return { valid: false, reason: 'wrong_claims', kid: usedKid };
    if (error instanceof errors.JOSEError) return { valid: false, reason: 'malformed', kid: usedKid };
    throw error;
  }
}

/** One public key as a set; null for a private or non-P-256 key (the trigger must never hold one). */
function singleKey(publicKey: Key): ChallengeKeySet | null {
  const key = publicKey instanceof KeyObject ? publicKey : KeyObject.from(publicKey);
  return isP256PublicKey(key) ? challengeKeySet([key]) : null;
}
