import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { AppError } from '../errors';
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

/** Changing sign-in methods needs a sign-in at most this old. */
export const RECENT_SIGN_IN_SECONDS = 300;

export function signedInRecently(user: SessionUser): boolean {
  return Date.now() / 1000 - user.authTime <= RECENT_SIGN_IN_SECONDS;
}

export interface SessionRequirement {
  /**
   * For a page: a person without a session is sent to sign in and then back to this path, where
   * a route handler would answer 401.
   */
  signInThen?: string;
  /** Adding or deleting a sign-in method: the sign-in must be at most RECENT_SIGN_IN_SECONDS old (else 403). */
  recentSignIn?: boolean;
}

/**
 * The data-access layer's one check: every protected page, route handler and server action calls
 * it before it touches user data, and uses only the user it returns. It verifies the session from
 * the cookies itself, so it holds whether or not middleware.ts ran for the request (the gate only
 * redirects early and refreshes tokens; the bypasses of 2025-26 each skipped it for some requests).
 * Without a session: a 401 AppError, or for a page a redirect to sign in; without a recent enough
 * sign-in: a 403 AppError.
 */
export async function requireSession(requirement: SessionRequirement = {}): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) {
    if (requirement.signInThen !== undefined) redirect(`/login?next=${encodeURIComponent(requirement.signInThen)}`);
    throw new AppError('unauthenticated');
  }
  if (requirement.recentSignIn && !signedInRecently(user)) throw new AppError('reauthentication_required');
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
