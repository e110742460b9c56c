import { sealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

let app: TestApp;
const email = 'sam@example.com';
const password = 'Correct-horse-7';

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, email, password);
});
afterAll(() => app?.stop());

async function signedInJar(): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
  expect(response.status).toBe(200);
  return jar;
}

const flipCharacter = (value: string, index: number) =>
  value.slice(0, index) + (value[index] === 'A' ? 'B' : 'A') + value.slice(index + 1);

describe('tampered, truncated and foreign session cookies sign the user out, never a 500', () => {
  const variants: Array<[string, (sealed: string) => Promise<string> | string]> = [
    ['one character flipped in the ciphertext', (sealed) => flipCharacter(sealed, Math.floor(sealed.length / 2))],
    ['one character flipped in the MAC', (sealed) => flipCharacter(sealed, sealed.length - 10)],
    ['truncated to half', (sealed) => sealed.slice(0, sealed.length / 2)],
    ['empty', () => ''],
    ['garbage of 4000 characters', () => 'x'.repeat(4000)],
    ['not an iron seal at all', () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.'],
    [
      'sealed by another app with another secret',
      () =>
        sealData(
          { v: 1, sid: 'x', idToken: 'x', method: 'password', createdAt: 0, lastSeenAt: 0 },
          {
            password: 'another-application-secret-of-32-chars!!',
          },
        ),
    ],
  ];

  it.each(variants)('%s: the page redirects to /login and the API answers 401', async (_name, tamper) => {
    const jar = await signedInJar();
    jar.set('__Host-session', await tamper(jar.get('__Host-session')!));
    const api = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(api.status).toBe(401);
    expect(jar.names()).toEqual([]);

    const again = await signedInJar();
    again.set('__Host-session', await tamper(again.get('__Host-session')!));
    const page = await again.fetch(`${app.baseUrl}/account`);
    expect(page.status).toBe(307);
    expect(page.headers.get('location')).toMatch(/^(http:\/\/localhost:\d+)?\/login\?next=%2Faccount$/);
  });

  it('a session cookie moved to another cookie name is not accepted', async () => {
    const jar = await signedInJar();
    const stolen = new CookieJar();
    stolen.set('session', jar.get('__Host-session')!);
    expect((await stolen.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(401);
  });

  it('a 16 KB cookie header is refused without a server error', async () => {
    const jar = await signedInJar();
    jar.set('padding', 'p'.repeat(16 * 1024));
    const response = await jar.fetch(`${app.baseUrl}/api/auth/me`);
    expect(response.status).toBeLessThan(500);
  });
});

describe('no open redirect through next', () => {
  it.each([
    '//evil.example',
    'https://evil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    '/login?next=//evil.example',
  ])('a signed-in visit to /login?next=%s lands on /account', async (next) => {
    const jar = await signedInJar();
    const response = await jar.fetch(`${app.baseUrl}/login?next=${encodeURIComponent(next)}`);
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get('location')!, app.baseUrl).href).toBe(`${app.baseUrl}/account`);
  });

  it('a signed-out /login?next=https://evil.example never hands the address to the sign-in form', async () => {
    const response = await fetch(`${app.baseUrl}/login?next=${encodeURIComponent('https://evil.example/x')}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    // The page's own URL appears in Next's payload; the form's destination must not be it.
    expect(html).toContain('\\"next\\":\\"/account\\"');
    expect(html).not.toMatch(/\\"next\\":\\"[^"\\]*evil/);
  });

  it('a same-origin next path is kept', async () => {
    const jar = await signedInJar();
    const response = await jar.fetch(`${app.baseUrl}/login?next=${encodeURIComponent('/account?tab=passkeys')}`);
    expect(new URL(response.headers.get('location')!, app.baseUrl).href).toBe(`${app.baseUrl}/account?tab=passkeys`);
  });
});

describe('cross-site writes are rejected', () => {
  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null (sandboxed frame)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'sec-fetch-site': 'cross-site' }],
  ])('password sign-in with %s: 403 and no session', async (_name, headers) => {
    const response = await fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }, headers));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'cross_site' } });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('a cross-site sign-out is refused and the session stays', async () => {
    const jar = await signedInJar();
    const response = await jar.fetch(`${app.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect((await jar.fetch(`${app.baseUrl}/api/auth/me`)).status).toBe(200);
  });
});

describe('malformed sign-in requests get a short 4xx and change nothing', () => {
  const url = () => `${app.baseUrl}/api/auth/password`;
  const json = { 'content-type': 'application/json' };
  it.each([
    { name: 'malformed JSON', headers: json, body: '{"email":', status: 400 },
    { name: 'a JSON array', headers: json, body: '[1,2]', status: 400 },
    {
      name: 'form encoding',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a&password=b',
      status: 415,
    },
    { name: 'no content type', headers: {}, body: '{}', status: 415 },
    { name: 'a 64 KB body', headers: json, body: JSON.stringify({ email, password: 'x'.repeat(65536) }), status: 413 },
    {
      name: 'an email with a CRLF',
      headers: json,
      body: JSON.stringify({ email: 'a@b.c\r\nBcc: x@y.z', password }),
      status: 400,
    },
    {
      name: 'a password that is not a string',
      headers: json,
      body: JSON.stringify({ email, password: { $ne: '' } }),
      status: 400,
    },
  ])('$name → $status', async ({ headers, body, status }) => {
    const response = await fetch(url(), { method: 'POST', headers: { origin: app.baseUrl, ...headers }, body });
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(text).not.toMatch(/Exception|at \w+ \(|node_modules/);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('password guessing is rate-limited', () => {
  it('after 10 wrong passwords for one account even the right one gets 429 with Retry-After; other accounts are unaffected', async () => {
    const target = 'guessed@example.com';
    await addPasswordUser(app, target, 'Right-horse-1');
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await fetch(
        `${app.baseUrl}/api/auth/password`,
        jsonPost({ email: target, password: `Wrong-${attempt}` }, { origin: app.baseUrl }),
      );
      expect(wrong.status).toBe(401);
    }
    const right = await fetch(
      `${app.baseUrl}/api/auth/password`,
      jsonPost({ email: target, password: 'Right-horse-1' }, { origin: app.baseUrl }),
    );
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.headers.getSetCookie()).toEqual([]);
    await signedInJar();
  });
});
