import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { sealData } from 'iron-session';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CookieReader, CookieToSet } from '@/lib/session/cookies';

const SECRET_A = 'session-secret-A-0123456789abcdefghijklmnop';
const SECRET_B = 'session-secret-B-0123456789abcdefghijklmnop';
const SECRET_C = 'session-secret-C-0123456789abcdefghijklmnop';
const FOREIGN_SECRET = 'another-apps-secret-0123456789abcdefghijkl';
const CHALLENGE_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const CONFIG_VARIABLES = [
  'APP_ORIGIN',
  'PORT',
  'EMBEDDED',
  'DATA_DIR',
  'COGNITO_REGION',
  'COGNITO_USER_POOL_ID',
  'COGNITO_CLIENT_ID',
  'COGNITO_CLIENT_SECRET',
  'COGNITO_ENDPOINT',
  'COGNITO_ACCESS_KEY_ID',
  'COGNITO_SECRET_ACCESS_KEY',
  'DYNAMODB_TABLE',
  'CORBADO_PROJECT_ID',
  'CORBADO_API_SECRET',
  'CORBADO_FRONTEND_API',
  'CORBADO_BACKEND_API',
  'CORBADO_WEBHOOK_USERNAME',
  'CORBADO_WEBHOOK_PASSWORD',
  'SESSION_SECRET',
  'SESSION_SECRET_PREVIOUS',
  'SESSION_IDLE_TIMEOUT_SECONDS',
  'SESSION_ABSOLUTE_TIMEOUT_SECONDS',
  'AUTH_CHALLENGE_PRIVATE_KEY',
];
const saved = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, process.env[name]]));

/** lib/session/cookies.ts with a fresh getConfig() over this environment. */
async function cookiesModule(env: { SESSION_SECRET: string; SESSION_SECRET_PREVIOUS?: string; APP_ORIGIN?: string }) {
  for (const name of CONFIG_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    APP_ORIGIN: 'https://app.example.com',
    COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
    COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
    DYNAMODB_TABLE: 'cognito-passkeys-unit',
    AUTH_CHALLENGE_PRIVATE_KEY: CHALLENGE_KEY,
    ...env,
  });
  vi.resetModules();
  return import('@/lib/session/cookies');
}

afterAll(() => {
  for (const name of CONFIG_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const reader = (cookies: Record<string, string>): CookieReader => ({
  get: (name) => (name in cookies ? { value: cookies[name]! } : undefined),
});
const readerOf = (cookie: CookieToSet) => reader({ [cookie.name]: cookie.value });

function setCookieLine(cookie: CookieToSet): string {
  const { options } = cookie;
  return [
    `${cookie.name}=${cookie.value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAge}`,
    ...(options.secure ? ['Secure'] : []),
    ...(options.httpOnly ? ['HttpOnly'] : []),
    'SameSite=Lax',
  ].join('; ');
}

const b64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const randomB64url = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

/** An RS256 JWT of exactly `length` characters: real header and claims, padded with a random claim. */
function jwtOfLength(length: number, claims: Record<string, unknown>): string {
  const header = b64url({ kid: randomB64url(43) + '=', alg: 'RS256' });
  const signature = randomB64url(342); // RSA-2048
  const base = `${header}.${b64url(claims)}.${signature}`;
  const padBytes = Math.floor(((length - base.length) * 3) / 4) - 12;
  for (let extra = padBytes; extra < padBytes + 8; extra += 1) {
    const token = `${header}.${b64url({ ...claims, 'custom:pad': 'x'.repeat(Math.max(0, extra)) })}.${signature}`;
    if (token.length >= length) return token.slice(0, length - 1) + 'A';
  }
  throw new Error('could not size the token');
}

/** A Cognito refresh token: a JWE (five parts) of exactly `length` characters. */
function jweOfLength(length: number): string {
  const header = b64url({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' });
  const key = randomB64url(342);
  const iv = randomB64url(16);
  const tag = randomB64url(22);
  const ciphertext = randomB64url(length - header.length - key.length - iv.length - tag.length - 4);
  return [header, key, iv, ciphertext, tag].join('.');
}

const at = Math.floor(Date.now() / 1000);
const ID_TOKEN = jwtOfLength(1400, {
  sub: '6f1c2b4a-1111-4c3e-9d55-2a7b8c9d0e1f',
  email_verified: true,
  iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf123',
  'cognito:username': '6f1c2b4a-1111-4c3e-9d55-2a7b8c9d0e1f',
  'custom:createdByCorbado': 'true',
  'custom:tenantId': 'tenant-0123456789abcdef',
  'custom:plan': 'enterprise-annual',
  'custom:locale': 'de-DE',
  'custom:marketingOptIn': 'false',
  origin_jti: randomBytes(16).toString('hex'),
  aud: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  event_id: randomBytes(16).toString('hex'),
  token_use: 'id',
  auth_time: at,
  exp: at + 3600,
  iat: at,
  jti: randomBytes(16).toString('hex'),
  email: 'alice.longname-for-realism@subdomain.example-company.com',
});
const ACCESS_TOKEN = jwtOfLength(1100, {
  sub: '6f1c2b4a-1111-4c3e-9d55-2a7b8c9d0e1f',
  iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf123',
  client_id: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  origin_jti: randomBytes(16).toString('hex'),
  event_id: randomBytes(16).toString('hex'),
  token_use: 'access',
  scope: 'aws.cognito.signin.user.admin',
  auth_time: at,
  exp: at + 3600,
  iat: at,
  jti: randomBytes(16).toString('hex'),
  username: '6f1c2b4a-1111-4c3e-9d55-2a7b8c9d0e1f',
});
const REFRESH_TOKEN = jweOfLength(1800);
const SID = randomBytes(16).toString('base64url');
const WEEK = 7 * 24 * 3600;

/** The three cookies of a session, sealed the way lib/session/session.ts seals them. */
async function sealSession(mod: Awaited<ReturnType<typeof cookiesModule>>): Promise<CookieToSet[]> {
  const names = mod.sessionCookieNames();
  return Promise.all([
    mod.sealCookie(
      names.id,
      { v: 1, sid: SID, idToken: ID_TOKEN, method: 'passkey', createdAt: at, lastSeenAt: at },
      WEEK,
    ),
    mod.sealCookie(names.access, { v: 1, sid: SID, accessToken: ACCESS_TOKEN }, WEEK),
    mod.sealCookie(names.refresh, { v: 1, sid: SID, refreshToken: REFRESH_TOKEN }, WEEK),
  ]);
}

describe('sealed session cookies: size', () => {
  it('builds tokens of realistic Cognito size (ID 1.4 KB, access 1.1 KB, refresh 1.8 KB), shaped like JWT/JWE', () => {
    expect(ID_TOKEN).toHaveLength(1400);
    expect(ACCESS_TOKEN).toHaveLength(1100);
    expect(REFRESH_TOKEN).toHaveLength(1800);
    expect(ID_TOKEN.split('.')).toHaveLength(3);
    expect(ACCESS_TOKEN.split('.')).toHaveLength(3);
    expect(REFRESH_TOKEN.split('.')).toHaveLength(5);
    for (const token of [ID_TOKEN, ACCESS_TOKEN, REFRESH_TOKEN]) expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it.each([
    ['https://app.example.com', 'id'],
    ['https://app.example.com', 'access'],
    ['https://app.example.com', 'refresh'],
    ['http://192.168.1.10:3000', 'refresh'],
  ] as const)('keeps the %s %s cookie, as a whole Set-Cookie line, under 4096 bytes', async (origin, which) => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A, APP_ORIGIN: origin });
    const [id, access, refresh] = await sealSession(mod);
    const cookie = { id, access, refresh }[which]!;
    const line = setCookieLine(cookie);
    expect(line).toMatch(/; Path=\/; Max-Age=604800; (Secure; )?HttpOnly; SameSite=Lax$/);
    expect(Buffer.byteLength(line)).toBeLessThan(4096);
  });

  it('opens each of the three cookies back into exactly what was sealed', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    const [id, access, refresh] = await sealSession(mod);
    await expect(mod.openCookie(readerOf(id!), id!.name)).resolves.toEqual({
      v: 1,
      sid: SID,
      idToken: ID_TOKEN,
      method: 'passkey',
      createdAt: at,
      lastSeenAt: at,
    });
    await expect(mod.openCookie(readerOf(access!), access!.name)).resolves.toEqual({
      v: 1,
      sid: SID,
      accessToken: ACCESS_TOKEN,
    });
    await expect(mod.openCookie(readerOf(refresh!), refresh!.name)).resolves.toEqual({
      v: 1,
      sid: SID,
      refreshToken: REFRESH_TOKEN,
    });
  });
});

describe('sealed session cookies: secret rotation', () => {
  let sealedWithA: CookieToSet;
  beforeAll(async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    sealedWithA = await mod.sealCookie('session', { v: 1, sid: SID, accessToken: ACCESS_TOKEN }, WEEK);
  });

  it('opens a cookie sealed with A after switching to SESSION_SECRET=B, SESSION_SECRET_PREVIOUS=A', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_B, SESSION_SECRET_PREVIOUS: SECRET_A });
    await expect(mod.openCookie(readerOf(sealedWithA), 'session')).resolves.toEqual({
      v: 1,
      sid: SID,
      accessToken: ACCESS_TOKEN,
    });
  });

  it('does not open a cookie sealed with A under SESSION_SECRET=B alone', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_B });
    await expect(mod.openCookie(readerOf(sealedWithA), 'session')).resolves.toBeNull();
  });

  it.each([`${SECRET_A},${SECRET_C}`, `${SECRET_C},${SECRET_A}`, ` ${SECRET_C} ,${SECRET_A} `])(
    'opens a cookie sealed with A whatever the order of SESSION_SECRET_PREVIOUS (%s)',
    async (previous) => {
      const mod = await cookiesModule({ SESSION_SECRET: SECRET_B, SESSION_SECRET_PREVIOUS: previous });
      await expect(mod.openCookie(readerOf(sealedWithA), 'session')).resolves.toEqual({
        v: 1,
        sid: SID,
        accessToken: ACCESS_TOKEN,
      });
    },
  );

  it('seals new cookies with the current secret only (they do not open under the previous one alone)', async () => {
    const rotated = await cookiesModule({ SESSION_SECRET: SECRET_B, SESSION_SECRET_PREVIOUS: SECRET_A });
    const sealedWithB = await rotated.sealCookie('session', { v: 1, sid: SID }, WEEK);
    const old = await cookiesModule({ SESSION_SECRET: SECRET_A });
    await expect(old.openCookie(readerOf(sealedWithB), 'session')).resolves.toBeNull();
    const current = await cookiesModule({ SESSION_SECRET: SECRET_B });
    await expect(current.openCookie(readerOf(sealedWithB), 'session')).resolves.toEqual({ v: 1, sid: SID });
  });
});

describe('sealed session cookies: bad cookies open to null, never throw', () => {
  let mod: Awaited<ReturnType<typeof cookiesModule>>;
  let good: CookieToSet;
  beforeAll(async () => {
    mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    good = await mod.sealCookie('session', { v: 1, sid: SID, accessToken: ACCESS_TOKEN }, WEEK);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const open = (value: string) => mod.openCookie(reader({ session: value }), 'session');

  /** Replace the character at `index` by a different one of the same kind. */
  function flipAt(value: string, index: number): string {
    const c = value[index]!;
    const flipped = /[0-9]/.test(c)
      ? String((Number(c) + 1) % 10)
      : /[a-z]/.test(c)
        ? c.toUpperCase()
        : /[A-Z]/.test(c)
          ? c.toLowerCase()
          : c === '-'
            ? '_'
            : c === '_'
              ? '-'
              : 'x';
    return value.slice(0, index) + flipped + value.slice(index + 1);
  }

  it('opens the untampered cookie (the control for the cases below)', async () => {
    await expect(open(good.value)).resolves.toEqual({ v: 1, sid: SID, accessToken: ACCESS_TOKEN });
  });

  it('is an iron seal of eight *-separated parts plus a ~2 version', () => {
    const [seal, version] = good.value.split('~');
    expect(version).toBe('2');
    expect(seal!.split('*')).toHaveLength(8);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])(
    'rejects a cookie with one character flipped in part %i of the seal',
    async (part) => {
      const parts = good.value.split('~')[0]!.split('*');
      const start = parts.slice(0, part).reduce((sum, p) => sum + p.length + 1, 0);
      const tampered = flipAt(good.value, start + Math.floor(parts[part]!.length / 2));
      expect(tampered).not.toBe(good.value);
      expect(tampered).toHaveLength(good.value.length);
      await expect(open(tampered)).resolves.toBeNull();
    },
  );

  it('rejects a cookie with its version suffix flipped', async () => {
    await expect(open(flipAt(good.value, good.value.length - 1))).resolves.toBeNull();
  });

  it.each([
    ['by one character', (v: string) => v.slice(0, -1)],
    ['by its version suffix', (v: string) => v.split('~')[0]!],
    ['to half', (v: string) => v.slice(0, Math.floor(v.length / 2))],
    ['to the prefix only', (v: string) => v.slice(0, 10)],
    ['by its last part', (v: string) => v.split('*').slice(0, -1).join('*')],
  ])('rejects a cookie truncated %s', async (_what, cut) => {
    await expect(open(cut(good.value))).resolves.toBeNull();
  });

  it.each([
    ['an empty value', ''],
    ['a 5000-character value', 'a'.repeat(5000)],
    ['garbage', 'not-a-seal'],
    ['a fake seal shape', 'Fe26.2*1*a*b*c*d*e*f~2'],
    ['stars only', '*******'],
  ])('rejects %s', async (_what, value) => {
    await expect(open(value)).resolves.toBeNull();
  });

  it('rejects a validly sealed cookie longer than 4096 characters', async () => {
    const big = await mod.sealCookie('session', { v: 1, sid: SID, blob: randomB64url(3500) }, WEEK);
    expect(big.value.length).toBeGreaterThan(4096);
    await expect(open(big.value)).resolves.toBeNull();
  });

  it('answers null for a missing cookie', async () => {
    await expect(mod.openCookie(reader({}), 'session')).resolves.toBeNull();
  });

  it.each([
    ['the same password id', true],
    ['another password id', false],
  ])("rejects a cookie sealed with another app's secret under %s", async (_what, sameId) => {
    const id = good.value.split('*')[1]!;
    const password = sameId ? { [id]: FOREIGN_SECRET } : FOREIGN_SECRET;
    const foreign = await sealData({ v: 1, sid: SID, accessToken: ACCESS_TOKEN }, { password, ttl: WEEK });
    await expect(open(foreign)).resolves.toBeNull();
  });

  it('rejects a cookie once its ttl has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const short = await mod.sealCookie('session', { v: 1, sid: SID }, 300);
    vi.setSystemTime(new Date('2030-01-01T00:04:00Z'));
    await expect(open(short.value)).resolves.toEqual({ v: 1, sid: SID });
    // iron allows 60 s of clock skew past the expiry.
    vi.setSystemTime(new Date('2030-01-01T00:06:01Z'));
    await expect(open(short.value)).resolves.toBeNull();
  });
});

describe('sealed session cookies: the memory of opened seals', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the same cookie again into the same content, which cannot be changed in memory', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    const cookie = await mod.sealCookie('session', { v: 1, sid: SID, lastSeenAt: 1 }, WEEK);
    const first = await mod.openCookie<{ lastSeenAt: number }>(readerOf(cookie), 'session');
    const again = await mod.openCookie<{ lastSeenAt: number }>(readerOf(cookie), 'session');
    expect(again).toEqual({ v: 1, sid: SID, lastSeenAt: 1 });
    expect(again).toBe(first);
    // A caller that tried to edit it would change what the next request reads: it throws instead.
    expect(() => {
      (again as { lastSeenAt: number }).lastSeenAt = 2;
    }).toThrow(TypeError);
    await expect(mod.openCookie(readerOf(cookie), 'session')).resolves.toEqual({ v: 1, sid: SID, lastSeenAt: 1 });
  });

  it('still rejects every one-character change of a cookie it has opened', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    const cookie = await mod.sealCookie('session', { v: 1, sid: SID }, WEEK);
    await expect(mod.openCookie(readerOf(cookie), 'session')).resolves.toEqual({ v: 1, sid: SID });
    const [seal] = cookie.value.split('~');
    const dataStart = seal!.split('*').slice(0, 4).join('*').length + 1;
    for (const index of [0, 7, dataStart, dataStart + 5, cookie.value.length - 3]) {
      const c = cookie.value[index]!;
      const changed = cookie.value.slice(0, index) + (c === 'A' ? 'B' : 'A') + cookie.value.slice(index + 1);
      await expect(mod.openCookie(reader({ session: changed }), 'session')).resolves.toBeNull();
    }
  });

  it("refuses a remembered cookie once its seal has expired (with iron's 60 s skew)", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    const cookie = await mod.sealCookie('session', { v: 1, sid: SID }, 60);
    await expect(mod.openCookie(readerOf(cookie), 'session')).resolves.toEqual({ v: 1, sid: SID });
    vi.setSystemTime(new Date('2030-01-01T00:01:59Z'));
    await expect(mod.openCookie(readerOf(cookie), 'session')).resolves.toEqual({ v: 1, sid: SID });
    vi.setSystemTime(new Date('2030-01-01T00:02:01Z'));
    await expect(mod.openCookie(readerOf(cookie), 'session')).resolves.toBeNull();
  });

  it('keeps at most 5,000 seals, forgetting the oldest, and still opens the ones it forgot', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A });
    const cookies = await Promise.all(
      Array.from({ length: 5_001 }, (_, i) => mod.sealCookie('session', { v: 1, sid: `s${i}` }, WEEK)),
    );
    const firstOpened = [];
    for (const cookie of cookies) firstOpened.push(await mod.openCookie(readerOf(cookie), 'session'));
    // A remembered seal comes back as the very same object; a forgotten one is opened anew.
    expect(await mod.openCookie(readerOf(cookies[1]!), 'session')).toBe(firstOpened[1]);
    expect(await mod.openCookie(readerOf(cookies[5_000]!), 'session')).toBe(firstOpened[5_000]);
    const oldest = await mod.openCookie(readerOf(cookies[0]!), 'session');
    expect(oldest).toEqual({ v: 1, sid: 's0' });
    expect(oldest).not.toBe(firstOpened[0]);
  });
});

describe('session cookie names and attributes', () => {
  it.each([
    ['https://app.example.com', true],
    ['https://app.example.com:8443', true],
    ['http://localhost:3000', true],
    ['http://localhost:4123', true],
    ['http://192.168.1.10:3000', false],
    ['http://app.internal.example:8080', false],
  ])('for APP_ORIGIN %s, uses __Host- names and Secure: %s', async (origin, secure) => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A, APP_ORIGIN: origin });
    const prefix = secure ? '__Host-' : '';
    expect(mod.sessionCookieNames()).toEqual({
      id: `${prefix}session`,
      access: `${prefix}session-access`,
      refresh: `${prefix}session-refresh`,
    });
    const sealed = await mod.sealCookie(mod.sessionCookieNames().id, { v: 1 }, 600);
    expect(sealed.options).toEqual({ httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 600 });
    for (const cleared of mod.clearedCookies()) {
      expect(cleared.options).toEqual({ httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 0 });
    }
  });

  it('clears all three session cookies with empty values and Max-Age 0', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A, APP_ORIGIN: 'https://app.example.com' });
    const cleared = mod.clearedCookies();
    expect(cleared.map((cookie) => cookie.name).sort()).toEqual(Object.values(mod.sessionCookieNames()).sort());
    for (const cookie of cleared) {
      expect(cookie.value).toBe('');
      expect(setCookieLine(cookie)).toBe(`${cookie.name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`);
    }
  });

  it('gives __Host- cookies what browsers require of them: Secure, Path=/ and no Domain', async () => {
    const mod = await cookiesModule({ SESSION_SECRET: SECRET_A, APP_ORIGIN: 'https://app.example.com' });
    for (const cookie of await sealSession(mod)) {
      expect(cookie.name.startsWith('__Host-')).toBe(true);
      expect(cookie.options.secure).toBe(true);
      expect(cookie.options.path).toBe('/');
      expect('domain' in cookie.options).toBe(false);
    }
  });
});
