import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The security headers over plain HTTP on the production build (`next start`): a nonce-based
 * Content-Security-Policy that every script on the page satisfies, no framing, no sniffing, a
 * same-origin Referrer-Policy, no caching of anything carrying session data, and HSTS only in
 * production on an https origin. That browsers then run the pages without a violation is proven
 * in tests/browser/csp.test.ts.
 */

let app: TestApp;
/** The same build with an https APP_ORIGIN (served over plain HTTP here, as behind a TLS proxy). */
let httpsApp: TestApp;
const EMAIL = 'headers@example.com';
const PASSWORD = 'Headers-horse-7';

beforeAll(async () => {
  [app, httpsApp] = await Promise.all([startTestApp(), startTestApp({ APP_ORIGIN: 'https://app.example.com' })]);
  await addPasswordUser(app, EMAIL, PASSWORD);
});
afterAll(async () => {
  await Promise.all([app?.stop(), httpsApp?.stop()]);
});

const url = (path: string) => `${app.baseUrl}${path}`;

function directives(csp: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

function nonceOf(csp: string | null): string {
  const source = directives(csp)
    .get('script-src')
    ?.find((value) => value.startsWith("'nonce-"));
  expect(source).toMatch(/^'nonce-[A-Za-z0-9+/]{22}==?'$/);
  return source!.slice("'nonce-".length, -1);
}

async function signedInJar(): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await jar.fetch(url('/api/auth/password'), jsonPost({ email: EMAIL, password: PASSWORD }));
  expect(response.status).toBe(200);
  return jar;
}

function expectCommonHeaders(response: { headers: Headers }) {
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('same-origin');
  expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
}

describe('Content-Security-Policy on pages', () => {
  it('/login carries a strict policy: nonce and strict-dynamic for scripts, no unsafe-inline or unsafe-eval, no plugins, no framing', async () => {
    const response = await fetch(url('/login'));
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'", expect.stringMatching(/^'nonce-/), "'strict-dynamic'"]);
    expect(csp.get('style-src')).toEqual(["'self'", expect.stringMatching(/^'nonce-/)]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('every script tag of the page carries the nonce of its own response, and the nonce is new on every request', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(url('/login'));
      const nonce = nonceOf(response.headers.get('content-security-policy'));
      nonces.add(nonce);
      const html = await response.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(3);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(3);
  });

  it('the 404 page renders per request with the nonce too (a prerendered page could not carry it)', async () => {
    const response = await fetch(url('/no-such-page'));
    expect(response.status).toBe(404);
    const nonce = nonceOf(response.headers.get('content-security-policy'));
    const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('the signed-in /account page carries the policy, its nonce on every script, and is never stored', async () => {
    const jar = await signedInJar();
    const response = await jar.fetch(url('/account'));
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const nonce = nonceOf(response.headers.get('content-security-policy'));
    const html = await response.text();
    expect(html).toContain(EMAIL);
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  });
});

describe('no caching of authenticated responses', () => {
  it.each(['/api/auth/me', '/api/account/passkeys', '/account'])(
    'GET %s signed in answers Cache-Control: no-store',
    async (path) => {
      const jar = await signedInJar();
      const response = await jar.fetch(url(path));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
    },
  );

  it('the sign-in answer that sets the session cookies, and the sign-out answer, are never stored', async () => {
    const jar = new CookieJar();
    const signIn = await jar.fetch(url('/api/auth/password'), jsonPost({ email: EMAIL, password: PASSWORD }));
    expect(signIn.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    const signOut = await jar.fetch(url('/api/auth/logout'), { method: 'POST' });
    expect(signOut.status).toBeLessThan(400);
    expect(signOut.headers.get('cache-control')).toBe('no-store');
  });

  it('answers refused by middleware (signed out, cross-site) carry the headers and no-store too', async () => {
    const me = await fetch(url('/api/auth/me'));
    expect(me.status).toBe(401);
    expectCommonHeaders(me);
    expect(me.headers.get('cache-control')).toBe('no-store');

    const account = await fetch(url('/account'), { redirect: 'manual' });
    expect(account.status).toBe(307);
    expectCommonHeaders(account);
    expect(account.headers.get('cache-control')).toBe('no-store');

    const crossSite = await fetch(url('/api/auth/logout'), {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expectCommonHeaders(crossSite);
  });
});

describe('other origins', () => {
  it('are granted no CORS access: no Access-Control-Allow-Origin on answers or preflights, whatever Origin is sent', async () => {
    const jar = await signedInJar();
    const me = await jar.fetch(url('/api/auth/me'), { headers: { origin: 'https://evil.example' } });
    expect(me.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(url('/api/auth/password'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('the static scripts a page loads are served as JavaScript with nosniff', async () => {
    const html = await (await fetch(url('/login'))).text();
    const sources = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources.slice(0, 3)) {
      const response = await fetch(new URL(source, app.baseUrl));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('static files', () => {
  /** The headers SECURITY.md promises on every answer; static files keep their own caching. */
  function expectStaticFileHeaders(path: string, response: Response) {
    const headers = Object.fromEntries(
      [
        'x-content-type-options',
        'x-frame-options',
        'referrer-policy',
        'cross-origin-opener-policy',
        'cross-origin-resource-policy',
      ].map((name) => [name, response.headers.get(name)]),
    );
    expect({ path, ...headers }).toEqual({
      path,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp.get('default-src'), path).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
  }

  it('files from public/ (favicon.ico, robots.txt) carry nosniff and the other headers of every answer', async () => {
    for (const path of ['/favicon.ico', '/robots.txt']) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
      expectStaticFileHeaders(path, response);
    }
  });

  it('the scripts and styles under /_next/static carry them too, and stay cacheable', async () => {
    const html = await (await fetch(url('/login'))).text();
    const assets = [...html.matchAll(/\b(?:src|href)="(\/_next\/static\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
    for (const asset of [...new Set(assets)].slice(0, 4)) {
      const response = await fetch(url(asset));
      expect(response.status, asset).toBe(200);
      await response.arrayBuffer();
      expectStaticFileHeaders(asset, response);
      expect(response.headers.get('cache-control'), asset).toContain('immutable');
    }
  });
});

describe('the password field of /login', () => {
  it('is masked, and lets password managers and paste fill it (type=password, autocomplete, no paste handler)', async () => {
    const html = await (await fetch(url('/login'))).text();
    const field = /<input[^>]*name="password"[^>]*>/.exec(html)?.[0] ?? '';
    expect(field).toContain('type="password"');
    // HTML attribute names are case-insensitive (React writes autoComplete).
    expect(field).toMatch(/autocomplete="current-password"/i);
    expect(html).not.toMatch(/onpaste|oncopy/i);
  });
});

describe('HSTS', () => {
  it('is not sent for a plain-http origin (browsers would ignore it, and it must not pin localhost)', async () => {
    for (const path of ['/login', '/api/health']) {
      const response = await fetch(url(path));
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    }
  });

  it('is sent on every answer of a production server whose origin is https, with upgrade-insecure-requests', async () => {
    for (const path of ['/login', '/api/health', '/api/auth/me', '/account']) {
      const response = await fetch(`${httpsApp.baseUrl}${path}`, { redirect: 'manual' });
      const hsts = response.headers.get('strict-transport-security') ?? '';
      expect(hsts).toMatch(/^max-age=(\d+); includeSubDomains$/);
      expect(Number(/max-age=(\d+)/.exec(hsts)![1])).toBeGreaterThanOrEqual(31_536_000);
      expect(directives(response.headers.get('content-security-policy')).has('upgrade-insecure-requests')).toBe(true);
    }
  });
});

/** A request with any method (fetch refuses TRACE, TRACK and CONNECT): its status and headers. */
function requestWithMethod(method: string, path: string): Promise<{ status: number; headers: Headers; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${app.baseUrl}${path}`, { method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        resolve({ status: response.statusCode ?? 0, headers, body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('methods the app does not serve', () => {
  it.each([
    ['TRACE', '/'],
    ['TRACE', '/login'],
    ['TRACE', '/api/auth/me'],
    ['LOCK', '/account'],
    ['PROPFIND', '/api/auth/password'],
    ['PURGE', '/login'],
  ])('%s %s answers 405 with Allow and the security headers, echoing nothing', async (method, path) => {
    const response = await requestWithMethod(method, path);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expectCommonHeaders(response);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
  });

  it('TRACK, a method Node does not parse, is refused before any app code with a bare 400, echoing nothing', async () => {
    const { port } = new URL(app.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(`TRACK /login HTTP/1.1\r\nHost: localhost:${port}\r\nCookie: secret-canary=1\r\n\r\n`);
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).not.toContain('secret-canary');
  });

  it('the methods the app serves still reach it', async () => {
    expect((await requestWithMethod('GET', '/login')).status).toBe(200);
    expect((await requestWithMethod('HEAD', '/login')).status).toBe(200);
    // Next answers a method a route handler does not export itself, with the headers.
    const unexported = await requestWithMethod('DELETE', '/api/auth/password');
    expect(unexported.status).toBe(405);
    expectCommonHeaders(unexported);
  });
});
