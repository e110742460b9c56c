import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddressFactory, expectShortError, latestCodeFor, outbox, rawRequest } from '../support/http';
import { CookieJar } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { storeItems } from '../support/store-items';
import { addPasswordUser } from '../support/users';
import { expectNoUnhandledErrors, fuzz, poolState } from '../support/fuzz';

/**
 * Cross-site requests at every state-changing route, with requests that would succeed from the
 * app's own pages (right password, a pending email code, a fresh session). Origins and
 * Sec-Fetch-Site values are generated with fast-check (seeded, bounded). Every one is refused
 * with 403 before the route runs: no cookie set, no Cognito call, no email, no row written.
 */

let app: TestApp;
const user = { email: 'csrf@example.com', password: 'Correct-horse-7' };
const codeUser = 'csrf-code@example.com';
let sessionCookie: string;
const nextAddress = clientAddressFactory(34);

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, user.email, user.password);
  const jar = new CookieJar();
  expect((await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonBody('POST', user))).status).toBe(200);
  sessionCookie = jar.header();
  // A pending code for the verify route; and the passkey store, which the server creates on first use.
  expect((await jar.fetch(`${app.baseUrl}/api/auth/email-code`, jsonBody('POST', { email: codeUser }))).status).toBe(
    202,
  );
  expect((await jar.fetch(`${app.baseUrl}/api/passkeys/sign-in/options`, { method: 'POST' })).status).toBe(200);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

function jsonBody(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

interface Write {
  method: string;
  path: string;
  body?: () => unknown;
  session?: boolean;
}

/** Every state-changing route, each with a request that is right in every way but its origin. */
const WRITES: Write[] = [
  { method: 'POST', path: '/api/auth/password', body: () => user },
  { method: 'POST', path: '/api/auth/logout', session: true },
  { method: 'POST', path: '/api/auth/session' },
  { method: 'POST', path: '/api/auth/email-code', body: () => ({ email: 'csrf-victim@example.com' }) },
  {
    method: 'POST',
    path: '/api/auth/email-code/verify',
    body: () => ({ email: codeUser, code: latestCodeFor(app.dataDir, codeUser) }),
  },
  { method: 'POST', path: '/api/passkeys/sign-in/options' },
  { method: 'POST', path: '/api/passkeys/sign-in', body: () => ({ response: { id: 'x', response: {} } }) },
  { method: 'POST', path: '/api/account/passkeys/options', session: true },
  { method: 'POST', path: '/api/account/passkeys', session: true, body: () => ({ response: {}, name: 'Evil key' }) },
  { method: 'PATCH', path: '/api/account/passkeys/some-id', session: true, body: () => ({ name: 'Renamed by evil' }) },
  { method: 'DELETE', path: '/api/account/passkeys/some-id', session: true },
];

function send(write: Write, headers: Record<string, string>): Promise<Response> {
  const body = write.body?.();
  return rawRequest(`${app.baseUrl}${write.path}`, {
    method: write.method,
    from: nextAddress(),
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(write.session ? { cookie: sessionCookie } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Every item of the passkey store, as one comparable value. */
async function storeState(): Promise<string> {
  return JSON.stringify(await storeItems(app.dynamo).all());
}

const appOrigin = () => app.baseUrl;
const port = () => Number(new URL(app.baseUrl).port);
/** Origins a browser could send that are not the app's: other sites, other ports and schemes, look-alikes. */
const foreignOrigin = fc
  .oneof(
    fc.webUrl().map((address) => new URL(address).origin),
    fc.constantFrom(
      'null',
      'http://evil.example',
      'https://evil.example',
      'SAME_HOST_OTHER_PORT',
      'SAME_HOST_HTTPS',
      'LOOPBACK_IP',
      'SUBDOMAIN',
      'SUFFIXED',
      'TRAILING_SLASH',
      'USERINFO',
    ),
  )
  .map((origin) => {
    switch (origin) {
      case 'SAME_HOST_OTHER_PORT':
        return `http://localhost:${port() + 1}`;
      case 'SAME_HOST_HTTPS':
        return `https://localhost:${port()}`;
      case 'LOOPBACK_IP':
        return `http://127.0.0.1:${port()}`;
      case 'SUBDOMAIN':
        return `http://evil.localhost:${port()}`;
      case 'SUFFIXED':
        return `${appOrigin()}.evil.example`;
      case 'TRAILING_SLASH':
        return `${appOrigin()}/`;
      case 'USERINFO':
        return `http://localhost:${port()}@evil.example`;
      default:
        return origin;
    }
  });
const crossSiteHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  foreignOrigin.filter((origin) => origin !== appOrigin()).map((origin) => ({ origin })),
  fc.record({ 'sec-fetch-site': fc.constantFrom('cross-site', 'same-site') }),
  fc
    .tuple(foreignOrigin, fc.constantFrom('same-origin', 'none'))
    .map(([origin, site]) => ({ origin, 'sec-fetch-site': site })),
);

describe('cross-site writes', () => {
  it('every state-changing route refuses every generated cross-site request with 403 before running: no cookie, no Cognito call, no email, no row', async () => {
    const before = { pool: await poolState(app), store: await storeState(), outbox: outbox(app.dataDir).length };
    const arrivalsBefore = app.cognito.faults.total;
    const routesHit = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITES), crossSiteHeaders, async (write, headers) => {
        fc.pre(headers['origin'] !== appOrigin());
        routesHit.add(`${write.method} ${write.path}`);
        const response = await send(write, headers);
        expect(response.status).toBe(403);
        expect(response.headers.getSetCookie()).toEqual([]);
        await expectShortError(response, 'cross_site');
      }),
      fuzz(200, 15),
    );
    expect(routesHit.size).toBe(WRITES.length);
    expect(app.cognito.faults.total).toBe(arrivalsBefore);
    expect(await storeState()).toBe(before.store);
    expect(outbox(app.dataDir).length).toBe(before.outbox);
    expect(await poolState(app)).toBe(before.pool);
    expectNoUnhandledErrors(app);
  });

  it('control: the very same requests from the app’s own origin are served (the refusals above are about the origin alone)', async () => {
    const statuses: Record<string, number> = {};
    for (const write of WRITES.filter((w) => w.path !== '/api/auth/logout')) {
      statuses[`${write.method} ${write.path}`] = (await send(write, { origin: appOrigin() })).status;
    }
    expect(statuses).toEqual({
      'POST /api/auth/password': 200,
      'POST /api/auth/session': 404, // Corbado mode is off on this server
      'POST /api/auth/email-code': 202,
      'POST /api/auth/email-code/verify': 200, // the code the cross-site attempts carried was never used up
      'POST /api/passkeys/sign-in/options': 200,
      'POST /api/passkeys/sign-in': 401,
      'POST /api/account/passkeys/options': 200,
      'POST /api/account/passkeys': 401,
      'PATCH /api/account/passkeys/some-id': 404,
      'DELETE /api/account/passkeys/some-id': 404,
    });
    const logout = await send(WRITES[1]!, { origin: appOrigin() });
    expect(await logout.json()).toEqual({ signedOut: true, revoked: true });
  });

  it('a request with neither Origin nor Sec-Fetch-Site (not from a browser, so carrying no victim’s cookies) is not treated as cross-site', async () => {
    const response = await send(WRITES[0]!, {});
    expect(response.status).toBe(200);
  });
});
