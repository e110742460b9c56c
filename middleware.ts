import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from './lib/config';
import { ERRORS, type ErrorCode } from './lib/errors';
import { isCrossSiteWrite } from './lib/http/origin';
import { DEFAULT_RETRY_AFTER_SECONDS } from './lib/http/respond';
import { contentSecurityPolicy, withSecurityHeaders } from './lib/http/security-headers';
import { currentRequestId, newRequestId, REQUEST_ID_HEADER, runWithRequestId } from './lib/telemetry/request-context';
import type { CookieToSet } from './lib/session/cookies';
import { resolveSession } from './lib/session/session';

/**
 * The gate in front of every request: rejects cross-site writes to the API, and for protected
 * pages and API routes opens the session cookie, verifies the ID token and refreshes it when it
 * has expired, so the page behind sees fresh tokens. It is an early redirect, not the security
 * boundary: every protected page and handler calls requireSession() (lib/session/current.ts),
 * which holds without it (tests/security/gate-bypass.test.ts runs with the gate switched off).
 *
 * Every answer also gets the security headers (lib/http/security-headers.ts), with a
 * Content-Security-Policy whose fresh nonce Next reads from the request's own CSP header and
 * puts on its scripts.
 */

const PROTECTED_PAGES = ['/account'];
const PROTECTED_API = ['/api/auth/me', '/api/account', '/api/corbado/connect/tokens'];
/** Called server-to-server by Corbado, with basic auth or a bearer secret instead of cookies. */
const CROSS_SITE_ALLOWED = ['/api/corbado/webhook', '/api/corbado/connect/actions'];

const under = (pathname: string, prefixes: string[]) =>
  prefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

function errorHeaders(code: ErrorCode): Record<string, string> {
  return {
    'cache-control': 'no-store',
    [REQUEST_ID_HEADER]: currentRequestId() ?? '',
    // As the route handlers do: every 503 says when to try again.
    ...(ERRORS[code].status === 503 ? { 'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS) } : {}),
  };
}

function errorJson(code: ErrorCode): NextResponse {
  return NextResponse.json(
    { error: { code, message: ERRORS[code].message } },
    { status: ERRORS[code].status, headers: errorHeaders(code) },
  );
}

/** For a person at a protected page: the same answer as a short page, not JSON. */
function errorPage(code: ErrorCode): NextResponse {
  const { message } = ERRORS[code];
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${message}</title></head><body><main><h1>${message}</h1><p><a href="">Reload the page</a></p></main></body></html>`;
  return new NextResponse(html, {
    status: ERRORS[code].status,
    headers: { ...errorHeaders(code), 'content-type': 'text/html; charset=utf-8' },
  });
}

function setCookies(response: NextResponse, cookies: CookieToSet[]): NextResponse {
  for (const cookie of cookies) response.cookies.set(cookie.name, cookie.value, cookie.options);
  return response;
}

/** The request's Cookie header with the re-sealed cookies in place of the old ones. */
function cookieHeaderWith(request: NextRequest, updated: CookieToSet[]): string {
  const values = new Map(request.cookies.getAll().map((cookie) => [cookie.name, cookie.value]));
  for (const cookie of updated) values.set(cookie.name, cookie.value);
  return [...values].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Passes the request on with its id (and any re-sealed cookies) for the page or handler behind. */
function forward(request: NextRequest, requestId: string, csp: string, updated: CookieToSet[] = []): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  // Next takes the nonce for its own scripts from the request's CSP header.
  headers.set('content-security-policy', csp);
  if (updated.length > 0) headers.set('cookie', cookieHeaderWith(request, updated));
  const response = setCookies(NextResponse.next({ request: { headers } }), updated);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

export function middleware(request: NextRequest): Promise<NextResponse> {
  // A fresh id for every request: never the client's, so log lines cannot be forged together.
  const requestId = newRequestId();
  const csp = contentSecurityPolicy();
  return runWithRequestId(requestId, async () => withSecurityHeaders(await gate(request, requestId, csp), csp));
}

async function gate(request: NextRequest, requestId: string, csp: string): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  const { appOrigin, sessionGateOff } = getConfig();

  if (pathname.startsWith('/api/') && !under(pathname, CROSS_SITE_ALLOWED)) {
    if (isCrossSiteWrite(request.method, request.headers, appOrigin)) return errorJson('cross_site');
  }
  const page = under(pathname, PROTECTED_PAGES);
  const api = under(pathname, PROTECTED_API);
  if ((!page && !api) || sessionGateOff) return forward(request, requestId, csp);

  const session = await resolveSession(request.cookies, { refresh: true });
  if (session.kind === 'unavailable')
    return api ? errorJson('upstream_unavailable') : errorPage('upstream_unavailable');
  if (session.kind === 'none') {
    if (api) return setCookies(errorJson('unauthenticated'), session.cookies);
    const login = new URL('/login', appOrigin);
    login.searchParams.set('next', `${pathname}${search}`);
    return setCookies(NextResponse.redirect(login), session.cookies);
  }
  return forward(request, requestId, csp, session.cookies);
}

// Next 16 calls this file `proxy.ts` and still runs it as `middleware.ts` (deprecated, with a build
// warning). Under this name the exported function must be `middleware` (or the default export), and
// the runtime stays Edge unless the config says `nodejs`; in a `proxy.ts` the key would be an error.
export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
