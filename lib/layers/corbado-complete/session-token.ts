import 'server-only';
import { decodeJwt } from 'jose';
import { normalizeEmail } from '../../email/address';
import { AppError } from '../../errors';
import { log } from '../../telemetry/log';
import { corbadoCall } from '../../telemetry/corbado';
import { corbadoSdk } from './client';

/** Who a valid Corbado session token says the user is. */
export interface CorbadoIdentity {
  /** Corbado's user id (`usr-...`), the token's `sub`. */
  userId: string;
  /** Normalized (see normalizeEmail). */
  email: string;
}

/** Where the browser sends the token: Corbado's own cookie, or an Authorization header. */
export const CORBADO_SESSION_COOKIE = 'cbo_session_token';

/** Real session tokens are well under 2 KB; anything far longer is not worth parsing. */
const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * What the SDK and the jose inside it throw for a token that is simply not valid. The SDK
 * wraps some jose errors in its own (with these names, set explicitly, so they survive
 * minification) and lets others through unwrapped (with these `code`s).
 */
const SDK_REJECTIONS = new Set([
  'CLAIM_VALIDATION_FAILED',
  'INVALID_ISSUER',
  'INVALID_SHORT_SESSION',
  'JWT_EXPIRED',
  'JWT_INVALID',
  'EMPTY_ISSUER',
]);
const JOSE_REJECTIONS = new Set([
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);
/** Corbado's keys could not be fetched: not the user's fault. */
const UNAVAILABLE = new Set([
  'ERR_JWKS_TIMEOUT',
  'ERR_JWKS_INVALID',
  'ERR_JOSE_GENERIC',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function invalid(reason: string): AppError {
  return new AppError('corbado_session_invalid', undefined, { cause: new Error(reason) });
}

function classify(error: unknown): AppError {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  if (typeof name === 'string' && SDK_REJECTIONS.has(name)) return invalid(name);
  if (typeof code === 'string' && JOSE_REJECTIONS.has(code)) return invalid(code);
  if (typeof code === 'string' && UNAVAILABLE.has(code)) {
    log.error('corbado_jwks_unavailable', { code });
    return new AppError('upstream_unavailable', undefined, { cause: error });
  }
  log.error('corbado_token_check_failed', { error });
  return new AppError('internal', undefined, { cause: error });
}

/**
 * Verifies a Corbado session token with Corbado's SDK (signature against the project's cached
 * JWKS, issuer = this project's Frontend API, `exp` and `nbf` when present), then checks what
 * the SDK leaves out: `sub` and `exp` must be there, and `email` must be a plausible address.
 * Throws `corbado_session_invalid` (401) for any token that fails.
 */
export async function verifyCorbadoSessionToken(token: string | null | undefined): Promise<CorbadoIdentity> {
  if (!token) throw invalid('no token');
  if (token.length > MAX_TOKEN_LENGTH) throw invalid('token too long');
  let userId: unknown;
  try {
    ({ userId } = await corbadoCall('sessions.validateToken', () => corbadoSdk().sessions().validateToken(token)));
  } catch (error) {
    throw classify(error);
  }
  // The signature is verified by now, so the payload is Corbado's.
  const claims = decodeJwt(token);
  if (typeof userId !== 'string' || userId.length === 0 || claims.sub !== userId) throw invalid('no sub');
  if (typeof claims.exp !== 'number') throw invalid('no exp');
  const email = normalizeEmail(claims.email);
  if (!email) throw invalid('no usable email');
  return { userId, email };
}

/** The token from `Authorization: Bearer ...`, else from Corbado's cookie. */
export function corbadoTokenFrom(headers: Headers, cookie: { value: string } | undefined): string | null {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? null;
  }
  return cookie?.value || null;
}
