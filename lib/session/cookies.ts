import 'server-only';
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { sealData } from 'iron-session';
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

/** iron's clock skew allowance past a seal's expiry, as iron-session applies it. */
const SEAL_SKEW_MS = 60_000;

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Opens an iron seal as iron-session 8 writes it (`Fe26.2*id*salt*iv*data*expiry*salt*hmac~2`:
 * keys from PBKDF2-SHA1 with 1 iteration, HMAC-SHA256 over the first six parts, AES-256-CBC),
 * with node:crypto, into its content and the moment it expires. The same checks as iron-session's unsealData, but synchronous: its
 * WebCrypto path makes six thread-pool round trips per cookie, 240-590 µs on the bench machine
 * against ~17 µs here, and this runs on every protected request (docs/BENCHMARKS.md).
 * Sealing stays with iron-session.
 */
function openSeal(sealed: string, passwords: Record<string, string>): { data: unknown; expiresAt: number } | null {
  const [seal = '', version] = sealed.split('~');
  const parts = seal.split('*');
  if (version !== '2' || parts.length !== 8) return null;
  const [prefix, id, encryptionSalt, iv, encrypted, expiry, hmacSalt, hmac] = parts as [string, ...string[]];
  if (prefix !== 'Fe26.2' || !encryptionSalt || !hmacSalt || !iv || !encrypted || !hmac) return null;
  if (expiry && (!/^\d+$/.test(expiry) || Number(expiry) <= Date.now() - SEAL_SKEW_MS)) return null;
  const password = Object.hasOwn(passwords, id || 'default') ? passwords[id || 'default'] : undefined;
  if (!password) return null;
  const key = (salt: string) => pbkdf2Sync(password, salt, 1, 32, 'sha1');
  const expected = createHmac('sha256', key(hmacSalt)).update(parts.slice(0, 6).join('*')).digest('base64url');
  if (!sameText(expected, hmac)) return null;
  const decipher = createDecipheriv('aes-256-cbc', key(encryptionSalt), Buffer.from(iv, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]);
  return { data: JSON.parse(plain.toString('utf8')), expiresAt: expiry ? Number(expiry) : Number.POSITIVE_INFINITY };
}

/**
 * Seals already opened, by their exact text, until they expire. A browser sends the same cookies
 * with every request, and each protected request opens the ID cookie twice (middleware, then the
 * page or handler); in the running server opening one cost ~0.25 ms, not the 17 µs of a tight
 * loop (docs/BENCHMARKS.md). Only seals that passed the HMAC check are kept, and the content
 * of a seal cannot change without its text changing. Never mutate what openCookie returns.
 */
let opened = new Map<string, { data: object; expiresAt: number }>();
/** The passwords the remembered seals were opened with: other passwords, other memory. */
let openedWith: Record<string, string> | undefined;
const OPENED_MAX_ENTRIES = 5_000;

/** The sealed object, or null for a missing, tampered, foreign, truncated or expired cookie. */
export async function openCookie<T extends object>(cookies: CookieReader, name: string): Promise<Partial<T> | null> {
  const raw = cookies.get(name)?.value;
  if (!raw || raw.length > 4096) return null;
  const passwords = getConfig().session.openWith;
  if (passwords !== openedWith) {
    opened = new Map();
    openedWith = passwords;
  }
  const known = opened.get(raw);
  if (known) {
    if (known.expiresAt > Date.now() - SEAL_SKEW_MS) return known.data as Partial<T>;
    opened.delete(raw);
    return null;
  }
  try {
    const seal = openSeal(raw, passwords);
    const data = seal?.data;
    if (!data || typeof data !== 'object' || Object.keys(data).length === 0) return null;
    if (opened.size >= OPENED_MAX_ENTRIES) opened.delete(opened.keys().next().value!);
    opened.set(raw, { data: Object.freeze(data), expiresAt: seal.expiresAt });
    return data as Partial<T>;
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
