import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../lib/email/address';
import { clientAddressFactory, expectShortError, outbox, rawRequest, sessionCookiesSet } from '../support/http';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';
import { expectNoUnhandledErrors, fuzz, poolState, writingCalls } from '../support/fuzz';

/**
 * Hostile identities and headers: emails carrying unicode look-alikes, control characters and
 * header-injection payloads (generated with fast-check, seeded and bounded), spoofed Host and
 * forwarding headers, CRLF in redirect targets, and raw HTTP that no client library would send.
 * Expected: a short 4xx, never a 500; nothing reaches Cognito or the outbox that the app's own
 * email rule refuses; no header is ever injected into an answer or an email.
 */

let app: TestApp;
const user = { email: 'victim@example.com', password: 'Correct-horse-2' };
const nextAddress = clientAddressFactory(32);

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, user.email, user.password);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

function postJson(route: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return rawRequest(url(route), {
    from: nextAddress(),
    headers: { 'content-type': 'application/json', origin: app.baseUrl, ...headers },
    body: JSON.stringify(body),
  });
}

/** Characters that have broken email handling somewhere: separators, controls, bidi, look-alikes. */
const NASTY = [
  '\r\n',
  '\n',
  '\r',
  '\u0000',
  '\u0007',
  '\t',
  ' ',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u202e',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ud800',
  'ｅ',
  '＠',
  '\u212a',
  'ß',
  'İ',
  'е',
  'e\u0301',
  '"',
  '<',
  '>',
  ',',
  ';',
  ':',
  '\\',
  '%0d%0a',
  '\r\nBcc: attacker@evil.example',
  '\nSubject: pwned',
  '=?utf-8?b?QmNjOiBhdHRhY2tlckBldmlsLmV4YW1wbGU=?=',
];

/** A plausible address with nasty characters spliced in at random places (or none). */
const hostileEmail = fc.oneof(
  fc
    .tuple(fc.emailAddress(), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NASTY)), { maxLength: 3 }))
    .map(([email, insertions]) =>
      insertions.reduce((acc, [at, nasty]) => {
        const index = at % (acc.length + 1);
        return acc.slice(0, index) + nasty + acc.slice(index);
      }, email),
    ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(...NASTY.map((nasty) => `victim${nasty}@example.com`)),
);

const printableAscii = /^[\x21-\x7e]+$/;

describe('emails with unicode, control characters and injection payloads', () => {
  it('email code: 202 exactly when the app’s email rule accepts the address (else 400), and the outbox only ever gets one clean ASCII address', async () => {
    const before = { pool: await poolState(app), writes: writingCalls(app) };
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(hostileEmail, async (email) => {
        const normalized = normalizeEmail(email);
        const sentBefore = outbox(app.dataDir).length;
        const response = await postJson('/api/auth/email-code', { email });
        if (normalized) {
          accepted += 1;
          expect(response.status).toBe(202);
          const sent = outbox(app.dataDir).slice(sentBefore);
          expect(sent.map((message) => message.to)).toEqual([normalized]);
          expect(sent[0]!.to).toMatch(printableAscii);
          expect(sent[0]!.subject).not.toMatch(/[\r\n]/);
        } else {
          expect(response.status).toBe(400);
          await expectShortError(response, 'invalid_request');
          expect(outbox(app.dataDir).length).toBe(sentBefore);
        }
      }),
      fuzz(150, 12),
    );
    expect(accepted).toBeGreaterThan(0);
    for (const message of outbox(app.dataDir)) expect(message.to).toMatch(printableAscii);
    expect(writingCalls(app)).toBe(before.writes);
    expect(await poolState(app)).toBe(before.pool);
    expectNoUnhandledErrors(app);
  });

  it('password sign-in: an address the email rule refuses is a 400 and never reaches Cognito; an accepted one is a plain 401', async () => {
    let refused = 0;
    let asked = 0;
    const cognitoBefore = app.cognito.faults.arrived('InitiateAuth');
    await fc.assert(
      fc.asyncProperty(hostileEmail, async (email) => {
        const response = await postJson('/api/auth/password', { email, password: user.password });
        if (normalizeEmail(email) === user.email) return; // the victim's own address, however spelled
        expect(sessionCookiesSet(response)).toEqual([]);
        if (normalizeEmail(email)) {
          asked += 1;
          expect(response.status).toBe(401);
        } else {
          refused += 1;
          expect(response.status).toBe(400);
        }
        await expectShortError(response);
      }),
      fuzz(150, 12),
    );
    expect(refused).toBeGreaterThan(0);
    expect(app.cognito.faults.arrived('InitiateAuth') - cognitoBefore).toBe(asked);
    expectNoUnhandledErrors(app);
  });

  it.each([
    ['a Cyrillic е', 'victim@еxample.com'],
    ['a fullwidth @', 'victim＠example.com'],
    ['a fullwidth local part', 'ｖｉｃｔｉｍ@example.com'],
    ['the Kelvin sign (lower-cases to k)', 'victim@example.\u212aom'],
    ['a zero-width space', 'vic\u200btim@example.com'],
    ['a right-to-left override', 'victim@example.com\u202e'],
    ['a trailing NUL', 'victim@example.com\u0000'],
    ['a CRLF and a Bcc header', 'victim@example.com\r\nBcc: attacker@evil.example'],
  ])("the victim's password with a look-alike of their email (%s) signs nobody in: 400", async (_name, email) => {
    const response = await postJson('/api/auth/password', { email, password: user.password });
    expect(response.status).toBe(400);
    expect(sessionCookiesSet(response)).toEqual([]);
  });

  it('control: the victim’s own address, in another case and with spaces around it, does sign in', async () => {
    const response = await postJson('/api/auth/password', { email: '  VICTIM@Example.COM ', password: user.password });
    expect(response.status).toBe(200);
  });
});

describe('spoofed Host and forwarding headers', () => {
  /** Each spoof, with the Origin a browser on the spoofed site would send. */
  const spoofs: Array<[string, Record<string, string>, string]> = [
    ['Host', { host: 'evil.example' }, 'http://evil.example'],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'evil.example' }, 'http://evil.example'],
    [
      'X-Forwarded-Host and -Proto',
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      'https://evil.example',
    ],
    ['Forwarded', { forwarded: 'host=evil.example;proto=https' }, 'https://evil.example'],
  ];

  it.each(spoofs)('a spoofed %s never moves the sign-in redirect off the app’s origin', async (_name, headers) => {
    const response = await rawRequest(url('/account'), { method: 'GET', headers });
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get('location')!, app.baseUrl);
    expect(location.origin).toBe(app.baseUrl);
    expect(location.pathname).toBe('/login');
  });

  it.each(spoofs)(
    'a spoofed %s does not make a write from the spoofed site look same-origin: 403',
    async (_name, headers, origin) => {
      const response = await rawRequest(url('/api/auth/password'), {
        headers: { ...headers, origin, 'content-type': 'application/json' },
        body: JSON.stringify(user),
        from: nextAddress(),
      });
      expect(response.status).toBe(403);
      expect(sessionCookiesSet(response)).toEqual([]);
    },
  );
});

describe('CRLF and encoded line breaks in redirect targets', () => {
  const targets = [
    '/account%0d%0aSet-Cookie:%20injected=1',
    '/account%0aLocation:%20https://evil.example',
    '/%0d%0a%0d%0a<script>alert(1)</script>',
    '/account?x=%E5%98%8A%E5%98%8DSet-Cookie:injected=1',
  ];
  it.each(targets)('/login?next=%s: no header is injected, and the redirect stays on the app', async (next) => {
    const jar = new CookieJar();
    expect((await jar.fetch(url('/api/auth/password'), jsonPost(user))).status).toBe(200);
    const signedIn = await jar.fetch(url(`/login?next=${next}`));
    expect(signedIn.status).toBe(307);
    const location = signedIn.headers.get('location')!;
    expect(location).not.toMatch(/[\r\n]/);
    expect(new URL(location, app.baseUrl).origin).toBe(app.baseUrl);
    expect(signedIn.headers.getSetCookie().join('\n')).not.toContain('injected');

    const signedOut = await fetch(url(`/account?next=${next}`), { redirect: 'manual' });
    expect(signedOut.headers.get('location') ?? '').not.toMatch(/[\r\n]/);
    expect(signedOut.headers.getSetCookie().join('\n')).not.toContain('injected');
  });
});

/** Sends bytes as they are over one TCP connection and returns the status line of the answer. */
function rawHttp(bytes: string): Promise<string> {
  const { port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

describe('raw HTTP no client library would send', () => {
  const host = () => `Host: ${new URL(app.baseUrl).host}`;
  const body = JSON.stringify(user);
  const requests: Array<[string, () => string]> = [
    [
      'a bare LF inside a header value',
      () => `GET /api/auth/me HTTP/1.1\r\n${host()}\r\nX-Test: a\nInjected: 1\r\n\r\n`,
    ],
    [
      'a bare CR inside a header value',
      () => `GET /api/auth/me HTTP/1.1\r\n${host()}\r\nX-Test: a\rInjected: 1\r\n\r\n`,
    ],
    ['a NUL in a header value', () => `GET /api/auth/me HTTP/1.1\r\n${host()}\r\nX-Test: a\u0000b\r\n\r\n`],
    [
      'an obsolete folded header line',
      () => `GET /api/auth/me HTTP/1.1\r\n${host()}\r\nCookie: a=b\r\n  __Host-session=x\r\n\r\n`,
    ],
    [
      'both Content-Length and Transfer-Encoding (request smuggling)',
      () =>
        `POST /api/auth/password HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${body}`,
    ],
    [
      'two different Content-Lengths',
      () =>
        `POST /api/auth/password HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ],
    [
      'a space before the colon of a header',
      () => `GET /api/auth/me HTTP/1.1\r\n${host()}\r\nCookie : __Host-session=x\r\n\r\n`,
    ],
    ['a request line with a CR in the path', () => `GET /api/auth/me\r/x HTTP/1.1\r\n${host()}\r\n\r\n`],
  ];

  it.each(requests)('%s: refused with 400 by the HTTP parser, and the server keeps serving', async (_name, bytes) => {
    const status = await rawHttp(bytes());
    expect(status).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(url('/api/health'))).status).toBe(200);
  });
});
