import 'server-only';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { getConfig } from '../config';

export interface IdTokenClaims {
  sub: string;
  email: string;
  /** `cognito:username`: the pool's internal username, needed to refresh. */
  username: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  authTime: number;
  createdByCorbado: boolean;
}

export type IdTokenCheck =
  | { status: 'valid'; claims: IdTokenClaims }
  /** Signed by the pool and otherwise right, but past `exp`: refresh it. */
  | { status: 'expired'; claims: IdTokenClaims }
  | { status: 'invalid' }
  /** The pool's keys could not be fetched: not the user's fault, do not sign them out. */
  | { status: 'unavailable' };

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

/** The pool's JWKS, fetched once and cached; refetched at most every 30 s for an unknown `kid`. */
function poolKeys() {
  jwks ??= createRemoteJWKSet(new URL(`${getConfig().cognito.issuer}/.well-known/jwks.json`), {
    cacheMaxAge: 60 * 60_000,
    cooldownDuration: 30_000,
    timeoutDuration: 3_000,
  });
  return jwks;
}

function claimsFrom(payload: JWTPayload): IdTokenClaims | null {
  const { sub, email, exp, auth_time: authTime } = payload;
  const username = payload['cognito:username'];
  if (typeof sub !== 'string' || typeof email !== 'string' || typeof username !== 'string') return null;
  if (typeof exp !== 'number' || typeof authTime !== 'number') return null;
  return {
    sub,
    email,
    username,
    expiresAt: exp,
    authTime,
    createdByCorbado: payload['custom:createdByCorbado'] === 'true',
  };
}

/**
 * ID tokens already verified, by their exact text, until they expire. A session sends the same
 * token on every request for up to an hour, and each protected request checks it twice
 * (middleware, then the page or handler); the RSA signature check is most of that cost
 * (docs/BENCHMARKS.md). Only tokens that passed every check are kept, so nothing can be added
 * from outside. A key dropped from the pool's JWKS is still trusted for as long as jose caches
 * the JWKS (cacheMaxAge, one hour), so remembering a token no longer than the hour adds nothing.
 */
const verified = new Map<string, { claims: IdTokenClaims; until: number }>();
const VERIFIED_MAX_ENTRIES = 10_000;
const VERIFIED_MAX_SECONDS = 60 * 60;

function rememberVerified(token: string, claims: IdTokenClaims): void {
  if (verified.size >= VERIFIED_MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(token, { claims, until: Math.min(claims.expiresAt, Date.now() / 1000 + VERIFIED_MAX_SECONDS) });
}

/**
 * Verifies a Cognito ID token: RS256 only, signed by a key of the pool's JWKS, issuer = the
 * pool, audience = our app client, token_use = id, not expired.
 */
export async function checkIdToken(token: string): Promise<IdTokenCheck> {
  const known = verified.get(token);
  if (known) {
    // jose treats a token as expired from its `exp` second on; so does this.
    if (Date.now() / 1000 < known.until) return { status: 'valid', claims: known.claims };
    verified.delete(token);
  }
  const { issuer, clientId } = getConfig().cognito;
  try {
    const { payload } = await jwtVerify(token, poolKeys(), {
      algorithms: ['RS256'],
      issuer,
      audience: clientId,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const claims = payload.token_use === 'id' ? claimsFrom(payload) : null;
    if (!claims) return { status: 'invalid' };
    rememberVerified(token, claims);
    return { status: 'valid', claims };
  } catch (error) {
    // jose checks the signature before the claims, so an expired token's payload is authentic.
    if (error instanceof errors.JWTExpired && error.payload.token_use === 'id') {
      const { payload } = error;
      const claims = payload.iss === issuer && payload.aud === clientId ? claimsFrom(payload) : null;
      return claims ? { status: 'expired', claims } : { status: 'invalid' };
    }
    if (error instanceof errors.JWKSTimeout || isFetchFailure(error)) return { status: 'unavailable' };
    return { status: 'invalid' };
  }
}

/** The JWKS could not be fetched (network error, timeout, non-200 answer). */
function isFetchFailure(error: unknown): boolean {
  if (error instanceof TypeError) return /fetch failed/i.test(error.message);
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC';
}
