import 'server-only';
import { cookies } from 'next/headers';
import { AppError } from '../http/errors';
import type { CookieToSet } from './cookies';
import { revokeRefreshToken } from '../cognito/custom-auth';
import { log } from '../telemetry/log';
import { resolveSession, sessionRefreshToken, type SessionUser } from './session';

/**
 * The signed-in user of the current request, checked again here (middleware is not the only
 * gate): null when signed out; a 503 AppError when Cognito's keys cannot be fetched.
 */
export async function getCurrentUser(): Promise<SessionUser | null> {
  const resolution = await resolveSession(await cookies(), { refresh: false });
  if (resolution.kind === 'unavailable') throw new AppError('upstream_unavailable');
  return resolution.kind === 'active' ? resolution.user : null;
}

/** Writes cookies from a route handler or server action. */
export async function writeCookies(toSet: CookieToSet[]): Promise<void> {
  const store = await cookies();
  for (const cookie of toSet) store.set(cookie.name, cookie.value, cookie.options);
}

/** The signed-in user, or a 401 AppError. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError('unauthenticated');
  return user;
}

/** Changing sign-in methods needs a sign-in at most this old. */
export const RECENT_SIGN_IN_SECONDS = 300;

export function signedInRecently(user: SessionUser): boolean {
  return Date.now() / 1000 - user.authTime <= RECENT_SIGN_IN_SECONDS;
}

/** The signed-in user if they proved who they are within the last 5 minutes; else a 403 AppError. */
export async function requireRecentSignIn(): Promise<SessionUser> {
  const user = await requireUser();
  if (!signedInRecently(user)) throw new AppError('reauthentication_required');
  return user;
}

/**
 * Writes the cookies of a new sign-in. The session they replace (a re-authentication, or a
 * sign-in while signed in) ends first: its refresh token is revoked at Cognito, so a copy of
 * the old cookies cannot keep refreshing.
 */
export async function replaceSession(toSet: CookieToSet[]): Promise<void> {
  const previous = await sessionRefreshToken(await cookies());
  if (previous) {
    await revokeRefreshToken(previous).catch((error: unknown) => log.warn('previous_session_revoke_failed', { error }));
  }
  await writeCookies(toSet);
}
