import { randomBytes } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import { getConfig, type AppConfig } from './lib/config';
import { ERRORS, type ErrorCode } from './lib/errors';
import { isCrossSiteWrite } from './lib/http/origin';
import { DEFAULT_RETRY_AFTER_SECONDS } from './lib/http/respond';
import { currentRequestId, newRequestId, REQUEST_ID_HEADER, runWithRequestId } from './lib/request-context';
import type { CookieToSet } from './lib/session/cookies';
import { resolveSession } from './lib/session/session';

/**
 * The gate in front of every request: rejects cross-site writes to the API, and for protected
 * pages and API routes opens the session cookie, verifies the ID token and refreshes it when it
 * has expired, so the page behind sees fresh tokens. Handlers and pages check again.
 *
 * Every answer also gets the security headers (docs/SECURITY.md): a Content-Security-Policy
 * with a fresh nonce, which Next reads from the request's own CSP header and puts on its
 * scripts (pages render per request, so every page carries its own nonce); no framing; HSTS on
 * an https origin in production; and no caching, since pages carry a nonce and session data.
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

/**
 * What Corbado's components need. Both inject their styles as inline <style> tags. Complete's
 * talks to its Frontend API and loads Google Fonts. Connect's talks to
 * https://{projectId}.{frontendApiUrlSuffix} only; its CSS also @imports two Google Fonts
 * stylesheets, which stay blocked: they would hand every visitor's address to Google for a
 * typeface, and the component falls back to the page's own fonts (docs/CORBADO.md).
 */
function corbadoSources(corbado: NonNullable<AppConfig['corbado']>) {
  if (corbado.mode === 'connect') {
    const frontendApis = [
      ...new Set([`https://${corbado.projectId}.${corbado.frontendApiUrlSuffix}`, corbado.frontendApi]),
    ].join(' ');
    return { frontendApis, styles: "'unsafe-inline'", fonts: '' };
  }
  const frontendApis = [...new Set([`https://${corbado.projectId}.frontendapi.corbado.io`, corbado.frontendApi])].join(
    ' ',
  );
  return { frontendApis, styles: "'unsafe-inline' https://fonts.googleapis.com", fonts: ' https://fonts.gstatic.com' };
}

function contentSecurityPolicy(nonce: string): string {
  const config = getConfig();
  const https = config.appOrigin.startsWith('https:');
  const corbado = config.corbado ? corbadoSources(config.corbado) : null;
  // `next dev` evaluates code (React's call stacks, fast refresh) and injects styles inline.
  const development = !config.production;
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // A nonce in style-src would make browsers ignore 'unsafe-inline', so it goes without one when inline styles are needed.
    `style-src 'self' ${corbado ? corbado.styles : development ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    `img-src 'self' data: blob:${corbado ? ` ${corbado.frontendApis}` : ''}`,
    `font-src 'self'${corbado ? corbado.fonts : ''}`,
    `connect-src 'self'${corbado ? ` ${corbado.frontendApis}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

function securityHeaders(csp: string): Record<string, string> {
  const { production, appOrigin } = getConfig();
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(production && appOrigin.startsWith('https:')
      ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' }
      : {}),
    // Pages carry a per-request nonce and who is signed in; API answers carry session data.
    'cache-control': 'no-store',
  };
}

function withSecurityHeaders(response: NextResponse, csp: string): NextResponse {
  for (const [name, value] of Object.entries(securityHeaders(csp))) response.headers.set(name, value);
  return response;
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
  const csp = contentSecurityPolicy(randomBytes(16).toString('base64'));
  return runWithRequestId(requestId, async () => withSecurityHeaders(await gate(request, requestId, csp), csp));
}

async function gate(request: NextRequest, requestId: string, csp: string): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  const { appOrigin } = getConfig();

  if (pathname.startsWith('/api/') && !under(pathname, CROSS_SITE_ALLOWED)) {
    if (isCrossSiteWrite(request.method, request.headers, appOrigin)) return errorJson('cross_site');
  }
  const page = under(pathname, PROTECTED_PAGES);
  const api = under(pathname, PROTECTED_API);
  if (!page && !api) return forward(request, requestId, csp);

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

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
