import 'server-only';
import { sealData, unsealData } from 'iron-session';
import { getConfig } from '../config';

/**
 * The session is three iron-sealed (AES-256-CBC + HMAC) httpOnly cookies, so each stays under
 * the browser's 4096-byte limit with tokens of real Cognito size (ID ~1.2 KB, access ~1.1 KB,
 * refresh ~1.8 KB): the ID token and session facts (read on every request), the access token,
 * and the refresh token (read only to refresh or revoke). A random session id binds the three.
 */

export interface CookieToSet {
  name: string;
  value: string;
  options: {
    httpOnly: true;
    secure: boolean;
    sameSite: 'lax';
    path: '/';
    maxAge: number;
  };
}

export interface CookieReader {
  get(name: string): { value: string } | undefined;
}

/** `__Host-` cookies need Secure, which browsers accept only on https and on localhost. */
function secureCookies(): boolean {
  const origin = new URL(getConfig().appOrigin);
  return origin.protocol === 'https:' || origin.hostname === 'localhost';
}

export function sessionCookieNames() {
  const prefix = secureCookies() ? '__Host-' : '';
  return {
    id: `${prefix}session`,
    access: `${prefix}session-access`,
    refresh: `${prefix}session-refresh`,
  } as const;
}

export async function sealCookie(name: string, data: object, maxAgeSeconds: number): Promise<CookieToSet> {
  const { session } = getConfig();
  const value = await sealData(data, { password: session.sealWith, ttl: maxAgeSeconds });
  return {
    name,
    value,
    options: { httpOnly: true, secure: secureCookies(), sameSite: 'lax', path: '/', maxAge: maxAgeSeconds },
  };
}

/** The sealed object, or null for a missing, tampered, foreign, truncated or expired cookie. */
export async function openCookie<T extends object>(cookies: CookieReader, name: string): Promise<Partial<T> | null> {
  const raw = cookies.get(name)?.value;
  if (!raw || raw.length > 4096) return null;
  try {
    const data = await unsealData<T>(raw, {
      password: getConfig().session.openWith,
      ttl: getConfig().session.absoluteTimeoutSeconds,
    });
    // iron-session answers {} for seals it cannot open (expired, unknown password id).
    return data && Object.keys(data).length > 0 ? data : null;
  } catch {
    return null;
  }
}

export function clearedCookies(): CookieToSet[] {
  return Object.values(sessionCookieNames()).map((name) => ({
    name,
    value: '',
    options: { httpOnly: true, secure: secureCookies(), sameSite: 'lax', path: '/', maxAge: 0 },
  }));
}
