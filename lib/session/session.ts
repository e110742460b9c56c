import 'server-only';
import { randomBytes } from 'node:crypto';
import { refreshCognitoTokens, type CognitoTokens } from '../cognito/custom-auth';
import { checkIdToken, type IdTokenClaims } from '../cognito/tokens';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { countedRefresh } from '../telemetry/session';
import {
  clearedCookies,
  openCookie,
  sealCookie,
  sessionCookieNames,
  type CookieReader,
  type CookieToSet,
} from './cookies';
import { idleClockAt } from './idle-clock';

export type SignInMethod = 'password' | 'passkey' | 'email_code' | 'corbado';

export interface SessionUser {
  sub: string;
  email: string;
  /** The pool's internal username. */
  username: string;
  method: SignInMethod;
  /** When the user last proved who they are (seconds since the epoch). */
  authTime: number;
  createdByCorbado: boolean;
}

interface IdCookie {
  v: 1;
  sid: string;
  idToken: string;
  method: SignInMethod;
  /** Seconds since the epoch: the absolute lifetime counts from here. */
  createdAt: number;
  /** Seconds since the epoch: the idle timeout counts from here. */
  lastSeenAt: number;
}
interface AccessCookie {
  v: 1;
  sid: string;
  accessToken: string;
}
interface RefreshCookie {
  v: 1;
  sid: string;
  refreshToken: string;
}

export type SessionResolution =
  /** Signed in. `cookies` holds re-sealed cookies when the session was refreshed or touched. */
  | { kind: 'active'; user: SessionUser; cookies: CookieToSet[] }
  /** Signed out: no cookie, a tampered or foreign one, timed out, or revoked. Clear the cookies. */
  | { kind: 'none'; cookies: CookieToSet[] }
  /** Cognito could not be reached to check or refresh: keep the cookies, answer 503. */
  | { kind: 'unavailable' };

const now = () => Math.floor(Date.now() / 1000);

function userFrom(claims: IdTokenClaims, method: SignInMethod): SessionUser {
  const { sub, email, username, authTime, createdByCorbado } = claims;
  return { sub, email, username, method, authTime, createdByCorbado };
}

function remainingLifetime(createdAt: number): number {
  return Math.max(1, createdAt + getConfig().session.absoluteTimeoutSeconds - now());
}

/** A finished sign-in: who is signed in, and the cookies that carry the session. */
export interface SignedIn {
  user: SessionUser;
  cookies: CookieToSet[];
}

/** The sealed cookies for a fresh sign-in. */
export async function createSessionCookies(tokens: CognitoTokens, method: SignInMethod): Promise<SignedIn> {
  const check = await checkIdToken(tokens.idToken);
  if (check.status !== 'valid' || !tokens.refreshToken) {
    log.error('session_tokens_rejected', { status: check.status, hasRefreshToken: Boolean(tokens.refreshToken) });
    throw new AppError(check.status === 'unavailable' ? 'upstream_unavailable' : 'internal');
  }
  const names = sessionCookieNames();
  const createdAt = now();
  const sid = randomBytes(16).toString('base64url');
  const lifetime = getConfig().session.absoluteTimeoutSeconds;
  const cookies = await Promise.all([
    sealCookie(
      names.id,
      { v: 1, sid, idToken: tokens.idToken, method, createdAt, lastSeenAt: createdAt } satisfies IdCookie,
      lifetime,
    ),
    sealCookie(names.access, { v: 1, sid, accessToken: tokens.accessToken } satisfies AccessCookie, lifetime),
    sealCookie(names.refresh, { v: 1, sid, refreshToken: tokens.refreshToken } satisfies RefreshCookie, lifetime),
  ]);
  return { user: userFrom(check.claims, method), cookies };
}

function isIdCookie(data: Partial<IdCookie> | null): data is IdCookie {
  return (
    data?.v === 1 &&
    typeof data.sid === 'string' &&
    typeof data.idToken === 'string' &&
    typeof data.method === 'string' &&
    typeof data.createdAt === 'number' &&
    typeof data.lastSeenAt === 'number'
  );
}

/** Each refresh counted in the session.refreshes metric (lib/telemetry/session.ts). */
const refreshTokens = countedRefresh(refreshCognitoTokens);

/**
 * The session behind the request's cookies. With `refresh`, an expired ID token is renewed
 * with the refresh token (middleware does this, so pages and handlers see fresh tokens).
 */
export async function resolveSession(
  cookies: CookieReader,
  { refresh }: { refresh: boolean },
): Promise<SessionResolution> {
  const names = sessionCookieNames();
  const signedOut: SessionResolution = { kind: 'none', cookies: clearedCookies() };
  const data = await openCookie<IdCookie>(cookies, names.id);
  if (!isIdCookie(data)) return signedOut;

  const { idleTimeoutSeconds, absoluteTimeoutSeconds } = getConfig().session;
  const at = now();
  const idleClock = idleClockAt(data.lastSeenAt, at, idleTimeoutSeconds);
  if (at - data.createdAt > absoluteTimeoutSeconds || idleClock === 'timed_out') return signedOut;

  const check = await checkIdToken(data.idToken);
  if (check.status === 'unavailable') return { kind: 'unavailable' };
  if (check.status === 'invalid') return signedOut;
  if (check.status === 'valid') {
    const user = userFrom(check.claims, data.method);
    if (idleClock === 'keep') return { kind: 'active', user, cookies: [] };
    const touched = await sealCookie(names.id, { ...data, lastSeenAt: at }, remainingLifetime(data.createdAt));
    return { kind: 'active', user, cookies: [touched] };
  }
  if (!refresh) return signedOut;

  const stored = await openCookie<RefreshCookie>(cookies, names.refresh);
  if (stored?.v !== 1 || stored.sid !== data.sid || typeof stored.refreshToken !== 'string') return signedOut;
  let tokens: CognitoTokens;
  try {
    tokens = await refreshTokens(stored.refreshToken, check.claims.username);
  } catch (error) {
    if (error instanceof AppError && error.code === 'unauthenticated') return signedOut;
    return { kind: 'unavailable' };
  }
  const renewed = await checkIdToken(tokens.idToken);
  if (renewed.status !== 'valid') return renewed.status === 'unavailable' ? { kind: 'unavailable' } : signedOut;
  const lifetime = remainingLifetime(data.createdAt);
  const resealed = await Promise.all([
    sealCookie(names.id, { ...data, idToken: tokens.idToken, lastSeenAt: at } satisfies IdCookie, lifetime),
    sealCookie(names.access, { v: 1, sid: data.sid, accessToken: tokens.accessToken } satisfies AccessCookie, lifetime),
  ]);
  return { kind: 'active', user: userFrom(renewed.claims, data.method), cookies: resealed };
}

/** The refresh token of the session, if its cookie belongs to the same session. */
export async function sessionRefreshToken(cookies: CookieReader): Promise<string | null> {
  const names = sessionCookieNames();
  const id = await openCookie<IdCookie>(cookies, names.id);
  const stored = await openCookie<RefreshCookie>(cookies, names.refresh);
  if (!stored || typeof stored.refreshToken !== 'string') return null;
  // Without a valid ID cookie (timed out, say), the refresh token is still worth revoking.
  if (isIdCookie(id) && id.sid !== stored.sid) return null;
  return stored.refreshToken;
}

/**
 * The session's Cognito access token, if its cookie belongs to the same session: the only key
 * to the user's own Cognito operations (their native passkeys), which have no admin variant.
 * Read after requireSession(): middleware has refreshed it with the ID token.
 */
export async function sessionAccessToken(cookies: CookieReader): Promise<string | null> {
  const names = sessionCookieNames();
  const id = await openCookie<IdCookie>(cookies, names.id);
  const stored = await openCookie<AccessCookie>(cookies, names.access);
  if (!isIdCookie(id) || stored?.v !== 1 || stored.sid !== id.sid || typeof stored.accessToken !== 'string')
    return null;
  return stored.accessToken;
}
