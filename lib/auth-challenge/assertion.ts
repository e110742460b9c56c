import { SignJWT, jwtVerify, errors, type CryptoKey, type KeyObject } from 'jose';

/**
 * The answer to Cognito's CUSTOM_CHALLENGE: a short-lived ES256 JWT, signed by the app's
 * private key after it has verified the user's passkey, email code or Corbado session,
 * bound to the challenge's nonce, the Cognito username and the app client id.
 *
 * Shared by the app (signs) and the verify-auth-challenge trigger (verifies, holding only the
 * public key). It is bundled into the Lambda, so it imports nothing but `jose`.
 */

export const ASSERTION_ISSUER = 'cognito-passkeys';
export const ASSERTION_TYPE = 'cognito-challenge+jwt';
export const ASSERTION_MAX_TTL_SECONDS = 60;
const ALGORITHM = 'ES256';

type Key = CryptoKey | KeyObject;

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
    .setProtectedHeader({ alg: ALGORITHM, typ: ASSERTION_TYPE })
    .setIssuer(ASSERTION_ISSUER)
    .setSubject(binding.username)
    .setAudience(binding.clientId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/**
 * true only for an assertion signed by the matching private key, unexpired, issued at most
 * 60 s ago, for exactly this nonce, username and client. Anything else is a wrong answer.
 */
export async function isValidChallengeAssertion(
  answer: unknown,
  publicKey: Key,
  expected: AssertionBinding,
): Promise<boolean> {
  if (typeof answer !== 'string' || answer.length > 4096 || !expected.nonce) return false;
  try {
    const { payload } = await jwtVerify(answer, publicKey, {
      algorithms: [ALGORITHM],
      typ: ASSERTION_TYPE,
      issuer: ASSERTION_ISSUER,
      subject: expected.username,
      audience: expected.clientId,
      maxTokenAge: `${ASSERTION_MAX_TTL_SECONDS}s`,
      requiredClaims: ['exp', 'iat', 'nonce'],
    });
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    return payload.nonce === expected.nonce && lifetime > 0 && lifetime <= ASSERTION_MAX_TTL_SECONDS;
  } catch (error) {
    if (error instanceof errors.JOSEError) return false;
    throw error;
  }
}
