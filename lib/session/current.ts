import 'server-only';
import { cookies } from 'next/headers';
import { AppError } from '../errors';
import type { CookieToSet } from './cookies';
import { resolveSession, type SessionUser } from './session';

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
