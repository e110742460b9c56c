import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from './lib/config';
import { ERRORS, type ErrorCode } from './lib/errors';
import { isCrossSiteWrite } from './lib/http/origin';
import { currentRequestId, newRequestId, REQUEST_ID_HEADER, runWithRequestId } from './lib/request-context';
import type { CookieToSet } from './lib/session/cookies';
import { resolveSession } from './lib/session/session';

/**
 * The gate in front of every request: rejects cross-site writes to the API, and for protected
 * pages and API routes opens the session cookie, verifies the ID token and refreshes it when it
 * has expired, so the page behind sees fresh tokens. Handlers and pages check again.
 */

const PROTECTED_PAGES = ['/account'];
const PROTECTED_API = ['/api/auth/me', '/api/account'];
/** Called server-to-server by Corbado, with basic auth instead of cookies. */
const CROSS_SITE_ALLOWED = ['/api/corbado/webhook'];

const under = (pathname: string, prefixes: string[]) =>
  prefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

function errorJson(code: ErrorCode): NextResponse {
  return NextResponse.json(
    { error: { code, message: ERRORS[code].message } },
    { status: ERRORS[code].status, headers: { 'cache-control': 'no-store', [REQUEST_ID_HEADER]: currentRequestId() ?? '' } },
  );
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
function forward(request: NextRequest, requestId: string, updated: CookieToSet[] = []): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  if (updated.length > 0) headers.set('cookie', cookieHeaderWith(request, updated));
  const response = setCookies(NextResponse.next({ request: { headers } }), updated);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

export function middleware(request: NextRequest): Promise<NextResponse> {
  // A fresh id for every request: never the client's, so log lines cannot be forged together.
  const requestId = newRequestId();
  return runWithRequestId(requestId, () => gate(request, requestId));
}

async function gate(request: NextRequest, requestId: string): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  const { appOrigin } = getConfig();

  if (pathname.startsWith('/api/') && !under(pathname, CROSS_SITE_ALLOWED)) {
    if (isCrossSiteWrite(request.method, request.headers, appOrigin)) return errorJson('cross_site');
  }
  const page = under(pathname, PROTECTED_PAGES);
  const api = under(pathname, PROTECTED_API);
  if (!page && !api) return forward(request, requestId);

  const session = await resolveSession(request.cookies, { refresh: true });
  if (session.kind === 'unavailable') return errorJson('upstream_unavailable');
  if (session.kind === 'none') {
    if (api) return setCookies(errorJson('unauthenticated'), session.cookies);
    const login = new URL('/login', appOrigin);
    login.searchParams.set('next', `${pathname}${search}`);
    return setCookies(NextResponse.redirect(login), session.cookies);
  }
  return forward(request, requestId, session.cookies);
}

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
