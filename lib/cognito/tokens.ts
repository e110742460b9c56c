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
 * Verifies a Cognito ID token: RS256 only, signed by a key of the pool's JWKS, issuer = the
 * pool, audience = our app client, token_use = id, not expired.
 */
export async function checkIdToken(token: string): Promise<IdTokenCheck> {
  const { issuer, clientId } = getConfig().cognito;
  try {
    const { payload } = await jwtVerify(token, poolKeys(), {
      algorithms: ['RS256'],
      issuer,
      audience: clientId,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const claims = payload.token_use === 'id' ? claimsFrom(payload) : null;
    return claims ? { status: 'valid', claims } : { status: 'invalid' };
  } catch (error) {
    // jose checks the signature before the claims, so an expired token's payload is authentic.
    if (error instanceof errors.JWTExpired && error.payload.token_use === 'id') {
      const { payload } = error;
      const claims =
        payload.iss === issuer && payload.aud === clientId ? claimsFrom(payload) : null;
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
