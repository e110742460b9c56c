import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../lib/email/address';
import { clientAddressFactory, expectShortError, INTERNALS, rawRequest, sessionCookiesSet } from '../support/http';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';
import { expectNoUnhandledErrors, fuzz, poolState, writingCalls } from '../support/fuzz';

/**
 * Malformed, oversized and wrongly typed bodies at every route that reads one, generated with
 * fast-check (seeded, bounded) against the production server. The answer is always the short
 * 4xx the app's body reader promises (415 wrong type, 413 too large, 400 not a JSON object),
 * decided before any Cognito call, and nothing changes anywhere.
 */

let app: TestApp;
const user = { email: 'body@example.com', password: 'Correct-horse-6' };
const WEBHOOK = { username: 'corbado-webhook', password: 'webhook-password-of-32-characters' };
/** Cookies of a fresh sign-in: the account routes check the session before reading the body. */
let sessionCookie: string;
const nextAddress = clientAddressFactory(31);

beforeAll(async () => {
  app = await startTestApp({ CORBADO_WEBHOOK_USERNAME: WEBHOOK.username, CORBADO_WEBHOOK_PASSWORD: WEBHOOK.password });
  await addPasswordUser(app, user.email, user.password);
  const jar = new CookieJar();
  expect((await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost(user))).status).toBe(200);
  sessionCookie = jar.header();
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

interface BodyRoute {
  method: 'POST' | 'PATCH';
  path: string;
  /** The route's body limit (readJsonObject's maxBytes). */
  maxBytes: number;
  needs?: 'session' | 'webhook';
}

const BODY_ROUTES: BodyRoute[] = [
  { method: 'POST', path: '/api/auth/password', maxBytes: 8 * 1024 },
  { method: 'POST', path: '/api/auth/email-code', maxBytes: 8 * 1024 },
  { method: 'POST', path: '/api/auth/email-code/verify', maxBytes: 8 * 1024 },
  { method: 'POST', path: '/api/passkeys/sign-in', maxBytes: 16 * 1024 },
  { method: 'POST', path: '/api/account/passkeys', maxBytes: 32 * 1024, needs: 'session' },
  { method: 'PATCH', path: '/api/account/passkeys/some-passkey-id', maxBytes: 8 * 1024, needs: 'session' },
  { method: 'POST', path: '/api/corbado/webhook', maxBytes: 16 * 1024, needs: 'webhook' },
];

function send(
  route: BodyRoute,
  body: Buffer | string,
  headers: Record<string, string | number> = {},
): Promise<Response> {
  return rawRequest(`${app.baseUrl}${route.path}`, {
    method: route.method,
    from: nextAddress(),
    body,
    headers: {
      origin: app.baseUrl,
      ...(route.needs === 'session' ? { cookie: sessionCookie } : {}),
      ...(route.needs === 'webhook'
        ? { authorization: `Basic ${Buffer.from(`${WEBHOOK.username}:${WEBHOOK.password}`).toString('base64')}` }
        : {}),
      ...headers,
    },
  });
}

/**
 * What the app's body reader must answer, worked out independently: the server sees the header
 * value without surrounding whitespace; `object` when the body is a JSON object within the
 * limit (the route itself decides then).
 */
function expectedAnswer(route: BodyRoute, contentType: string | undefined, body: Buffer): 415 | 413 | 400 | 'object' {
  if (!/^application\/json\s*(;|$)/i.test((contentType ?? '').trim())) return 415;
  if (body.byteLength > route.maxBytes) return 413;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 400;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? 'object' : 400;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON;charset=UTF-8',
  ' application/json ',
  'application/json-patch+json',
  'application/jsonx',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'text/plain',
  'text/json',
  'application/xml',
  '*/*',
  '',
];
/** A header value Node will send: printable ASCII and tabs. */
const headerValue = fc
  .string({ unit: 'binary-ascii', maxLength: 60 })
  .filter((value) => /^[\t\x20-\x7e]*$/.test(value));
const contentType = fc.option(fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue), { nil: undefined });

const jsonText = (value: unknown) => JSON.stringify(value) ?? 'null';
/** Bodies that are not a JSON object within the limit, or not JSON at all. */
const malformedBody = (route: BodyRoute) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'binary', maxLength: 1024 }).map((text) => Buffer.from(text)),
    fc
      .jsonValue({ maxDepth: 4 })
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
      .map((value) => Buffer.from(jsonText(value))),
    // A JSON object cut short.
    fc
      .tuple(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }), fc.nat())
      .map(([value, cut]) => {
        const text = jsonText(value);
        return Buffer.from(text.slice(0, cut % text.length));
      }),
    // A JSON object just over, or far over, the limit.
    fc
      .integer({ min: route.maxBytes + 1, max: route.maxBytes * 4 })
      .map((size) => Buffer.from(JSON.stringify({ email: 'a@b.co', padding: 'x'.repeat(Math.max(0, size - 35)) }))),
  );

describe('bodies that are not a JSON object within the limit, with any content type, at every route that reads a body', () => {
  it.each(BODY_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: exactly 415, 413 or 400 as the body reader defines, a short reason, no session, no Cognito write',
    async (_name, route) => {
      const before = { pool: await poolState(app), writes: writingCalls(app) };
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(contentType, malformedBody(route), async (type, body) => {
          const expected = expectedAnswer(route, type, body);
          fc.pre(expected !== 'object');
          runs += 1;
          const response = await send(route, body, type === undefined ? {} : { 'content-type': type });
          expect(response.status).toBe(expected);
          expect(sessionCookiesSet(response)).toEqual([]);
          await expectShortError(response);
        }),
        fuzz(60, 8),
      );
      expect(runs).toBeGreaterThanOrEqual(20);
      expect(writingCalls(app)).toBe(before.writes);
      expect(await poolState(app)).toBe(before.pool);
      expectNoUnhandledErrors(app);
    },
  );
});

/** Any JSON value, and strings that look like what the routes want. */
const anyField = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.emailAddress(),
  fc.stringMatching(/^\d{6}$/),
);
const objectBody = fc.record(
  {
    email: anyField,
    password: anyField,
    code: anyField,
    response: anyField,
    name: anyField,
    extra: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

/** The statuses each route may answer a JSON object with, from what it was given (route semantics, not implementation). */
const objectRoutes: Array<[string, BodyRoute, (body: Record<string, unknown>) => number[]]> = [
  [
    'password sign-in',
    BODY_ROUTES[0]!,
    ({ email, password }) => {
      const usable =
        normalizeEmail(email) && typeof password === 'string' && password.length > 0 && password.length <= 256;
      // No generated email is a user's: a well-formed attempt is a wrong password.
      return usable ? [401, 429] : [400];
    },
  ],
  ['email code send', BODY_ROUTES[1]!, ({ email }) => (normalizeEmail(email) ? [202, 429] : [400])],
  ['email code verify', BODY_ROUTES[2]!, ({ email }) => (normalizeEmail(email) ? [401] : [400])],
  ['passkey sign-in (no ceremony started)', BODY_ROUTES[3]!, () => [401]],
  ['passkey registration (no ceremony started)', BODY_ROUTES[4]!, () => [401]],
  [
    'passkey rename (of a passkey nobody has)',
    BODY_ROUTES[5]!,
    ({ name }) => (typeof name === 'string' && name.trim() ? [404] : [400]),
  ],
];

describe('JSON objects with arbitrary field values', () => {
  it.each(objectRoutes)(
    '%s: only the answers its inputs allow, a short reason, no session, no Cognito write',
    async (_name, route, allowed) => {
      const before = { pool: await poolState(app), writes: writingCalls(app) };
      await fc.assert(
        fc.asyncProperty(objectBody, async (fields) => {
          const { extra, ...named } = fields;
          const body = { ...extra, ...named };
          const response = await send(route, JSON.stringify(body), { 'content-type': 'application/json' });
          expect(allowed(body)).toContain(response.status);
          expect(sessionCookiesSet(response)).toEqual([]);
          if (response.status >= 400) await expectShortError(response);
        }),
        fuzz(80, 10),
      );
      expect(writingCalls(app)).toBe(before.writes);
      expect(await poolState(app)).toBe(before.pool);
      expectNoUnhandledErrors(app);
    },
  );
});

describe('bodies crafted against the body reader', () => {
  const password = BODY_ROUTES[0]!;
  const json = { 'content-type': 'application/json' };

  it('a 1 MB body is refused with 413 at every route, with or without a Content-Length', async () => {
    const big = Buffer.alloc(1024 * 1024, 'a');
    for (const route of BODY_ROUTES) {
      expect((await send(route, big, json)).status, route.path).toBe(413);
      expect((await send(route, big, { ...json, 'transfer-encoding': 'chunked' })).status, route.path).toBe(413);
    }
  });

  it('a Content-Length that claims 10 MB is refused with 413 before the body is read', async () => {
    const response = await send(password, Buffer.alloc(10 * 1024 * 1024, ' '), json);
    expect(response.status).toBe(413);
    await expectShortError(response, 'payload_too_large');
  });

  it('an array nested 4000 deep (within the size limit) is a 400, not a stack overflow', async () => {
    const deep = `${'['.repeat(4000)}${']'.repeat(4000)}`;
    const response = await send(password, deep, json);
    expect(response.status).toBe(400);
    await expectShortError(response, 'invalid_request');
  });

  it('__proto__ and constructor keys neither sign anyone in nor change how the next request is answered', async () => {
    const polluted =
      '{"__proto__":{"email":"body@example.com","password":"Correct-horse-6","admin":true},"constructor":{"prototype":{"email":"body@example.com"}}}';
    const response = await send(password, polluted, json);
    expect(response.status).toBe(400);
    expect(sessionCookiesSet(response)).toEqual([]);
    const wrong = await send(password, JSON.stringify({ email: user.email, password: 'Wrong-horse-1' }), json);
    expect(wrong.status).toBe(401);
  });

  it('a body with a UTF-8 byte order mark, or in UTF-16, is a 400', async () => {
    const text = JSON.stringify(user);
    for (const body of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      Buffer.from(text, 'utf16le'),
    ]) {
      const response = await send(password, body, json);
      expect(response.status).toBe(400);
      expect(sessionCookiesSet(response)).toEqual([]);
    }
  });

  it('the same credentials as a form post or a query string are refused (415 / 400): only a JSON body counts', async () => {
    const form = await send(password, new URLSearchParams(user).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const query = await rawRequest(`${app.baseUrl}/api/auth/password?${new URLSearchParams(user)}`, {
      from: nextAddress(),
      headers: { origin: app.baseUrl, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(query.status).toBe(400);
    expect(sessionCookiesSet(query)).toEqual([]);
  });

  it('control: the well-formed request signs in', async () => {
    const response = await send(password, JSON.stringify(user), json);
    expect(response.status).toBe(200);
    expect(sessionCookiesSet(response)).toHaveLength(3);
  });
});

describe('methods a route does not have', () => {
  const routes: Array<[string, string[]]> = [
    ['/api/auth/password', ['GET', 'PUT', 'DELETE', 'PATCH']],
    ['/api/auth/logout', ['GET', 'PUT', 'DELETE']],
    ['/api/auth/email-code', ['GET', 'PUT']],
    ['/api/auth/email-code/verify', ['GET', 'PUT']],
    ['/api/passkeys/sign-in', ['GET', 'PUT']],
    ['/api/passkeys/sign-in/options', ['GET', 'PUT']],
    ['/api/auth/me', ['POST', 'PUT', 'DELETE']],
    ['/api/health', ['POST', 'DELETE']],
  ];
  it.each(routes)('%s answers %s with 405 and no internals (no state change over GET)', async (path, methods) => {
    for (const method of methods) {
      const response = await rawRequest(`${app.baseUrl}${path}`, {
        method,
        from: nextAddress(),
        headers: { origin: app.baseUrl, cookie: sessionCookie },
      });
      expect(response.status, method).toBe(405);
      expect(await response.text()).not.toMatch(INTERNALS);
      expect(sessionCookiesSet(response)).toEqual([]);
    }
  });
});
