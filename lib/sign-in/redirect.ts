export const DEFAULT_AFTER_SIGN_IN = '/account';

/**
 * Where to go after sign-in: only a relative path on this origin. `//evil.example`,
 * `/\evil.example`, `https://evil.example`, `javascript:...` and anything with control
 * characters fall back to the default.
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return DEFAULT_AFTER_SIGN_IN;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return DEFAULT_AFTER_SIGN_IN;
  if (/[\u0000-\u001f\u007f]/.test(next)) return DEFAULT_AFTER_SIGN_IN;
  const base = 'http://same-origin.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // Dot segments can collapse into `//host` (`/.//evil.example`): a browser reads that as another origin.
  if (url.origin !== base || url.pathname === '/login' || url.pathname.startsWith('//')) return DEFAULT_AFTER_SIGN_IN;
  return `${url.pathname}${url.search}${url.hash}`;
}
