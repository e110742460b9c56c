import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectedRouteFiles, ROOT } from '../support/app-routes';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Every protected page and API route, attacked through every known way around the gate of
 * 2025-26 (docs/SECURITY.md): the subrequest header of CVE-2025-29927 in each spelling Next ever
 * used, the RSC and prefetch requests (.rsc and segment paths, CVE-2026-44575/-45109), the
 * Pages Router data path, and paths spelled so that a matcher might miss them (encoded, doubled,
 * trailing slash, upper case, dot segments), HEAD and OPTIONS, a forged X-Forwarded-Host.
 *
 * Each variant is sent with no session, with the cookies of a session that signed out, and with
 * the session of another user. None may show the target's data, renew a session cookie or fail
 * with a 5xx. The same variant with the owner's session must be served where it is a request a
 * browser makes, so a variant that merely breaks the route cannot pass as "refused"; variants no
 * browser makes (mangled paths) must at least not fail.
 *
 * The whole suite runs twice: with middleware.ts as it is, and with its session gate switched off
 * (TEST_ONLY_SESSION_GATE_OFF=1), where the data-access layer (requireSession) alone must hold.
 */

const PASSWORD = 'Bypass-gate-7';
const VICTIM = 'victim@example.com';
const OTHER = 'other@example.com';
const LEAVER = 'leaver@example.com';
const CONCURRENCY = 8;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  setCookies: string[];
  body: string;
}

/** A request exactly as written: unlike fetch, node:http leaves `//`, `/./`, `%61` and methods alone. */
function send(
  baseUrl: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        hostname,
        port,
        method,
        path: target,
        headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            setCookies: response.headers['set-cookie'] ?? [],
            body: text,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function inParallel<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

interface Identity {
  email: string;
  sub: string;
  cookie: string;
  passkeyId: string | null;
}

/** What a signed-in owner is served: the route answered past its session check, with their data where it shows any. */
type Served = (answer: Answer, owner: Identity) => boolean;

const errorCode = (answer: Answer) => {
  try {
    return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
};

interface Operation {
  file: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The target path, for a request by `caller` against `victim`'s data (the passkey routes take an id). */
  path: (victim: Identity, caller: Identity) => string;
  body?: unknown;
  served: Served;
  /** What a HEAD past the session check answers (its GET's status): 200 unless the route is off. */
  servedHeadStatus?: number;
}

const VICTIM_PASSKEY_NAME = 'Victim key';

const OPERATIONS: Operation[] = [
  {
    file: 'app/account/page.tsx',
    method: 'GET',
    path: () => '/account',
    served: (a, owner) => a.status === 200 && a.body.includes(owner.email),
  },
  {
    file: 'app/api/auth/me/route.ts',
    method: 'GET',
    path: () => '/api/auth/me',
    served: (a, owner) => a.status === 200 && a.body.includes(owner.sub),
  },
  {
    file: 'app/api/account/passkeys/route.ts',
    method: 'GET',
    path: () => '/api/account/passkeys',
    served: (a, owner) => a.status === 200 && a.body.includes(owner.passkeyId ?? '"passkeys"'),
  },
  {
    // A registration that is not one: only past the session check is it verified, and refused.
    file: 'app/api/account/passkeys/route.ts',
    method: 'POST',
    path: () => '/api/account/passkeys',
    body: { response: 'not a credential' },
    served: (a) => errorCode(a) === 'passkey_rejected',
  },
  {
    file: 'app/api/account/passkeys/options/route.ts',
    method: 'POST',
    path: () => '/api/account/passkeys/options',
    served: (a, owner) => a.status === 200 && a.body.includes(owner.email),
  },
  {
    // Renames the victim's passkey to the name it has: the owner's request changes nothing.
    file: 'app/api/account/passkeys/[id]/route.ts',
    method: 'PATCH',
    path: (victim) => `/api/account/passkeys/${victim.passkeyId}`,
    body: { name: VICTIM_PASSKEY_NAME },
    served: (a, owner) => a.status === 200 && owner.passkeyId !== null && a.body.includes(owner.passkeyId),
  },
  {
    // Everyone else aims at the victim's passkey; the owner deletes nothing: a passkey that does
    // not exist is not_found, which only a request past the session check can learn.
    file: 'app/api/account/passkeys/[id]/route.ts',
    method: 'DELETE',
    path: (victim, caller) => `/api/account/passkeys/${caller === victim ? 'no-such-passkey' : victim.passkeyId}`,
    served: (a) => a.status === 404 && errorCode(a) === 'not_found',
  },
  {
    file: 'app/api/account/passkey-offer/route.ts',
    method: 'POST',
    path: () => '/api/account/passkey-offer',
    body: { skip: false },
    served: (a) => a.status === 204,
  },
  // Cognito's own passkeys are off in this deployment (self-hosted): past the session check, each
  // of their account routes answers not_found, which only a request with a session can learn.
  ...(
    [
      ['app/api/account/native-passkeys/route.ts', 'GET', '/api/account/native-passkeys', undefined],
      ['app/api/account/native-passkeys/route.ts', 'POST', '/api/account/native-passkeys', { response: 'x' }],
      ['app/api/account/native-passkeys/options/route.ts', 'POST', '/api/account/native-passkeys/options', undefined],
      ['app/api/account/native-passkeys/[id]/route.ts', 'PATCH', '/api/account/native-passkeys/x', { name: 'x' }],
      ['app/api/account/native-passkeys/[id]/route.ts', 'DELETE', '/api/account/native-passkeys/x', undefined],
    ] as const
  ).map(([file, method, target, body]): Operation => ({
    file,
    method,
    path: () => target,
    ...(body ? { body } : {}),
    served: (a) => a.status === 404 && errorCode(a) === 'not_found',
    servedHeadStatus: 404,
  })),
  {
    // Corbado Connect is off in this deployment: past the session check the answer says so.
    file: 'app/api/corbado/connect/tokens/route.ts',
    method: 'POST',
    path: () => '/api/corbado/connect/tokens',
    body: { type: 'passkey-list' },
    served: (a) => a.status === 404 && errorCode(a) === 'corbado_disabled',
  },
];

interface Variant {
  name: string;
  /** A request a browser (or Next's own client) makes: the owner must be served through it. */
  legitimate: boolean;
  /**
   * What the owner gets where the route's own check does not apply: a prefetch of a dynamic page
   * carries no page content (Next prefetches only what is static), just an RSC payload.
   */
  ownerGets?: (answer: Answer) => boolean;
  /** Only for some operations (HEAD for GET, the page-only RSC requests). */
  appliesTo?: (operation: Operation) => boolean;
  method?: (operation: Operation) => string;
  target?: (path: string, buildId: string, victimPasskeyId: string) => string;
  headers?: Record<string, string>;
}

const isPage = (operation: Operation) => operation.file.endsWith('page.tsx');
const isRscPayload = (answer: Answer) =>
  answer.status === 200 && String(answer.headers['content-type']).startsWith('text/x-component');
const repeated = (name: string) => Array.from({ length: 5 }, () => name).join(':');

/** Every spelling of the subrequest header Next's middleware runner ever trusted (CVE-2025-29927). */
const SUBREQUEST_SPELLINGS = [
  'middleware',
  'src/middleware',
  'pages/_middleware',
  'pages/account/_middleware',
  'pages/api/_middleware',
  repeated('middleware'),
  repeated('src/middleware'),
  'proxy',
  'src/proxy',
  repeated('proxy'),
];

/** `/account` with its first letter percent-encoded: `/%61ccount`. */
const encodeFirstLetter = (path: string) =>
  path.replace(/^\/([a-z])/, (_, letter: string) => `/%${letter.charCodeAt(0).toString(16)}`);
/** The last segment's first letter encoded too, for the API routes: `/api/auth/%6de`. */
const encodeLastSegment = (path: string) =>
  path.replace(
    /\/([a-z])([^/]*)$/,
    (_, letter: string, rest: string) => `/%${letter.charCodeAt(0).toString(16)}${rest}`,
  );

const VARIANTS: Variant[] = [
  { name: 'the plain request', legitimate: true },
  ...SUBREQUEST_SPELLINGS.map((spelling) => ({
    name: `x-middleware-subrequest: ${spelling}`,
    legitimate: true,
    headers: { 'x-middleware-subrequest': spelling },
  })),
  {
    name: 'x-middleware-subrequest with a made-up x-middleware-subrequest-id',
    legitimate: true,
    headers: { 'x-middleware-subrequest': repeated('middleware'), 'x-middleware-subrequest-id': 'forged' },
  },
  { name: 'RSC: 1', legitimate: true, appliesTo: isPage, headers: { rsc: '1' } },
  {
    name: 'RSC: 1 + Next-Router-Prefetch: 1',
    legitimate: true,
    appliesTo: isPage,
    ownerGets: isRscPayload,
    headers: { rsc: '1', 'next-router-prefetch': '1' },
  },
  {
    name: 'Next-Router-Segment-Prefetch: /_tree',
    legitimate: true,
    appliesTo: isPage,
    ownerGets: isRscPayload,
    headers: { rsc: '1', 'next-router-prefetch': '1', 'next-router-segment-prefetch': '/_tree' },
  },
  {
    name: 'Next-Router-Segment-Prefetch: /__PAGE__',
    legitimate: true,
    appliesTo: isPage,
    ownerGets: isRscPayload,
    headers: { rsc: '1', 'next-router-prefetch': '1', 'next-router-segment-prefetch': '/__PAGE__' },
  },
  {
    name: 'RSC headers on an API route',
    legitimate: true,
    appliesTo: (o) => !isPage(o),
    headers: { rsc: '1', 'next-router-prefetch': '1' },
  },
  { name: '?_rsc=', legitimate: true, target: (p) => `${p}?_rsc=1a2b3`, headers: { rsc: '1' } },
  { name: '?_rsc= without the RSC header', legitimate: false, target: (p) => `${p}?_rsc=1a2b3` },
  { name: 'x-nextjs-data: 1', legitimate: true, headers: { 'x-nextjs-data': '1' } },
  { name: 'forged X-Forwarded-Host', legitimate: true, headers: { 'x-forwarded-host': 'evil.example' } },
  {
    name: 'forged X-Forwarded-Host, -Proto and -Port',
    legitimate: true,
    headers: { 'x-forwarded-host': 'localhost', 'x-forwarded-proto': 'https', 'x-forwarded-port': '443' },
  },
  {
    name: 'forged internal routing headers (x-matched-path, x-invoke-path, x-now-route-matches)',
    legitimate: true,
    headers: { 'x-matched-path': '/login', 'x-invoke-path': '/login', 'x-now-route-matches': '1' },
  },
  { name: '.rsc path', legitimate: false, target: (p) => `${p}.rsc` },
  { name: '.rsc path with RSC: 1', legitimate: false, target: (p) => `${p}.rsc`, headers: { rsc: '1' } },
  { name: '.prefetch.rsc path', legitimate: false, target: (p) => `${p}.prefetch.rsc`, headers: { rsc: '1' } },
  {
    name: '.segments/_tree.segment.rsc path',
    legitimate: false,
    target: (p) => `${p}.segments/_tree.segment.rsc`,
    headers: { rsc: '1', 'next-router-prefetch': '1', 'next-router-segment-prefetch': '/_tree' },
  },
  {
    name: '.segments/__PAGE__.segment.rsc path',
    legitimate: false,
    target: (p) => `${p}.segments/__PAGE__.segment.rsc`,
    headers: { rsc: '1', 'next-router-prefetch': '1', 'next-router-segment-prefetch': '/__PAGE__' },
  },
  { name: '/_next/data/<buildId>/….json', legitimate: false, target: (p, id) => `/_next/data/${id}${p}.json` },
  {
    name: '/_next/data/<buildId>/….json with x-nextjs-data',
    legitimate: false,
    target: (p, id) => `/_next/data/${id}${p}.json`,
    headers: { 'x-nextjs-data': '1' },
  },
  { name: 'first letter percent-encoded', legitimate: false, target: encodeFirstLetter },
  { name: 'last segment percent-encoded', legitimate: false, target: encodeLastSegment },
  { name: 'a slash percent-encoded', legitimate: false, target: (p) => p.replace(/\/([^/]*)$/, '%2F$1') },
  { name: 'doubled leading slash', legitimate: false, target: (p) => `/${p}` },
  { name: 'doubled inner slash', legitimate: false, target: (p) => p.replace(/\/([^/]*)$/, '//$1') },
  { name: 'trailing slash', legitimate: false, target: (p) => `${p}/` },
  { name: 'dot segment', legitimate: false, target: (p) => `/.${p}` },
  { name: 'dot-dot segment', legitimate: false, target: (p) => `/login/..${p}` },
  { name: 'upper case', legitimate: false, target: (p) => p.toUpperCase() },
  {
    name: 'first letter upper case',
    legitimate: false,
    target: (p) => p.replace(/^\/([a-z])/, (_, l: string) => `/${l.toUpperCase()}`),
  },
  ...['nxtP', 'nxtI'].map((prefix) => ({
    // CVE-2026-44574: a query parameter that Next once took as the dynamic segment's value, while
    // the path the gate matched named another; aimed at the victim's passkey from a decoy path.
    name: `route parameter injected as ?${prefix}id=`,
    legitimate: false,
    target: (p: string, _buildId: string, victimPasskeyId: string) =>
      victimPasskeyId && p.includes(victimPasskeyId)
        ? `${p.replace(victimPasskeyId, 'decoy')}?${prefix}id=${victimPasskeyId}`
        : `${p}?${prefix}id=decoy`,
  })),
  { name: 'HEAD', legitimate: true, appliesTo: (o) => o.method === 'GET', method: () => 'HEAD' },
  { name: 'OPTIONS', legitimate: false, method: () => 'OPTIONS' },
];

interface Probe {
  operation: Operation;
  variant: Variant;
}

const PROBES: Probe[] = OPERATIONS.flatMap((operation) =>
  VARIANTS.filter((variant) => variant.appliesTo?.(operation) ?? true).map((variant) => ({ operation, variant })),
);

function probeRequest(probe: Probe, victim: Identity, caller: Identity, buildId: string) {
  const { operation, variant } = probe;
  const method = variant.method?.(operation) ?? operation.method;
  const path = operation.path(victim, caller);
  const target = variant.target?.(path, buildId, victim.passkeyId ?? '') ?? path;
  const hasBody = operation.body !== undefined && method !== 'HEAD' && method !== 'OPTIONS';
  const headers: Record<string, string> = { ...variant.headers };
  if (hasBody) headers['content-type'] = 'application/json';
  return { method, target, headers, body: hasBody ? JSON.stringify(operation.body) : undefined };
}

/** A Set-Cookie that gives a cookie a value (a session renewed or started), not one that clears it. */
const setsACookie = (line: string) => {
  const [pair = '', ...attributes] = line.split(';');
  const value = pair.slice(pair.indexOf('=') + 1).trim();
  return value !== '' && !attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
};

async function signIn(app: TestApp, email: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password: PASSWORD }));
  expect(response.status).toBe(200);
  return jar;
}

async function identityOf(app: TestApp, jar: CookieJar, email: string): Promise<Identity> {
  const me = (await (await jar.fetch(`${app.baseUrl}/api/auth/me`)).json()) as { sub: string };
  return { email, sub: me.sub, cookie: jar.header(), passkeyId: null };
}

async function registerPasskey(app: TestApp, jar: CookieJar): Promise<string> {
  const authenticator = new SoftAuthenticator(app.baseUrl);
  const optionsAnswer = await jar.fetch(`${app.baseUrl}/api/account/passkeys/options`, { method: 'POST' });
  const { options } = (await optionsAnswer.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  const answer = await jar.fetch(
    `${app.baseUrl}/api/account/passkeys`,
    jsonPost({ response: authenticator.register(options), name: VICTIM_PASSKEY_NAME }),
  );
  expect(answer.status).toBe(201);
  return authenticator.id;
}

interface Mode {
  name: string;
  env: Record<string, string>;
}

const MODES: Mode[] = [
  { name: 'with the gate (middleware.ts) as deployed', env: {} },
  { name: 'with the gate switched off: the data-access layer alone', env: { TEST_ONLY_SESSION_GATE_OFF: '1' } },
];

it('has an operation for every method of every protected route', () => {
  const covered = new Set(OPERATIONS.map((operation) => `${operation.file} ${operation.method}`));
  const exported = protectedRouteFiles().flatMap((file) => {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    if (file.endsWith('page.tsx')) return [`${file} GET`];
    return [...source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE) =/gm)].map((match) => `${file} ${match[1]}`);
  });
  expect(exported.filter((entry) => !covered.has(entry))).toEqual([]);
  expect(PROBES.length).toBeGreaterThan(OPERATIONS.length * 30);
});

describe.each(MODES)('every protected route, $name', ({ env }) => {
  const gateOff = env.TEST_ONLY_SESSION_GATE_OFF === '1';
  let app: TestApp;
  let buildId: string;
  let victim: Identity;
  let other: Identity;
  let leaver: Identity;
  let anonymous: Identity;

  beforeAll(async () => {
    app = await startTestApp(env);
    buildId = readFileSync(path.join(ROOT, '.next/BUILD_ID'), 'utf8').trim();
    for (const email of [VICTIM, OTHER, LEAVER]) await addPasswordUser(app, email, PASSWORD);

    // The signed-out session: its cookies kept from before the sign-out, replayed once its ID
    // token has expired. (Within the ID token's lifetime they still open the session: the app
    // checks ID tokens without asking Cognito; docs/SECURITY.md.)
    await setIdTokenLifetime(app, 3, 'seconds');
    const leaverJar = await signIn(app, LEAVER);
    leaver = await identityOf(app, leaverJar, LEAVER);
    expect((await leaverJar.fetch(`${app.baseUrl}/api/auth/logout`, { method: 'POST' })).status).toBe(200);
    await setIdTokenLifetime(app, 60, 'minutes');

    const victimJar = await signIn(app, VICTIM);
    victim = { ...(await identityOf(app, victimJar, VICTIM)), passkeyId: await registerPasskey(app, victimJar) };
    victim.cookie = victimJar.header();
    other = await identityOf(app, await signIn(app, OTHER), OTHER);
    anonymous = { email: 'nobody', sub: 'nobody', cookie: '', passkeyId: null };
    await new Promise((resolve) => setTimeout(resolve, 3500));
  });
  afterAll(async () => {
    if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
    await app?.stop();
  });

  /**
   * Sends the probe as `as`. Next 16 answers an RSC request whose `_rsc` parameter does not match
   * its headers with a 307 to the matching one; the router follows it, and so does this, so that
   * the RSC variants reach the page's render.
   */
  const call = async (probe: Probe, as: Identity) => {
    const { method, target, headers, body } = probeRequest(probe, victim, as, buildId);
    const withCookie = as.cookie ? { ...headers, cookie: as.cookie } : headers;
    const answer = await send(app.baseUrl, method, target, withCookie, body);
    const location = answer.status === 307 ? new URL(answer.headers.location ?? '', app.baseUrl) : null;
    if (!location?.searchParams.has('_rsc')) return answer;
    return send(app.baseUrl, method, `${location.pathname}${location.search}`, withCookie, body);
  };
  const describeProbe = (probe: Probe, answer: Answer) =>
    `${probe.operation.method} ${probe.operation.path(victim, anonymous)} via ${probe.variant.name}: ${answer.status}`;
  /**
   * HEAD has no body to look into: a 200 is what a GET would have served. OPTIONS runs no handler
   * (Next answers it with the allowed methods): anything more than an empty answer would be served.
   */
  const served = (probe: Probe, answer: Answer, owner: Identity) => {
    if (probe.variant.name === 'HEAD') return answer.status === (probe.operation.servedHeadStatus ?? 200);
    if (probe.variant.name === 'OPTIONS') return answer.status < 300 && answer.body !== '';
    return probe.operation.served(answer, owner);
  };

  /**
   * What no one but the victim may see: their email, their sub, their passkey's id (unless the
   * request named it itself: a 404 page or a redirect may echo the path).
   */
  const showsVictimData = (probe: Probe, answer: Answer) => {
    const named = probe.operation.path(victim, anonymous).includes(victim.passkeyId!);
    const secrets = named ? [victim.email, victim.sub] : [victim.email, victim.sub, victim.passkeyId!];
    return secrets.some((secret) => answer.body.includes(secret));
  };

  it.each([
    ['no session', () => anonymous],
    ['the cookies of a session that signed out', () => leaver],
  ])('with %s: nothing served, no session cookie set, no 5xx', async (_name, who) => {
    const identity = who();
    const answers = await inParallel(PROBES, (probe) => call(probe, identity));
    const failures = PROBES.flatMap((probe, index) => {
      const answer = answers[index]!;
      const problems = [
        answer.status >= 500 && '5xx',
        served(probe, answer, victim) && 'served',
        identity !== anonymous && served(probe, answer, identity) && 'served the signed-out user',
        showsVictimData(probe, answer) && "shows the victim's data",
        identity !== anonymous &&
          [identity.email, identity.sub].some((s) => answer.body.includes(s)) &&
          "shows the signed-out user's data",
        answer.setCookies.some(setsACookie) && `sets a cookie (${answer.setCookies.join(' | ')})`,
      ].filter(Boolean);
      return problems.length > 0 ? [`${describeProbe(probe, answer)}: ${problems.join(', ')}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it("with another user's session: none of the victim's data, no 5xx", async () => {
    const answers = await inParallel(PROBES, (probe) => call(probe, other));
    const failures = PROBES.flatMap((probe, index) => {
      const answer = answers[index]!;
      const problems = [
        answer.status >= 500 && '5xx',
        showsVictimData(probe, answer) && "shows the victim's data",
      ].filter(Boolean);
      return problems.length > 0 ? [`${describeProbe(probe, answer)}: ${problems.join(', ')}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('with the owner’s session: every legitimate variant is served, every other one fails cleanly', async () => {
    const answers = await inParallel(PROBES, (probe) => call(probe, victim));
    const failures = PROBES.flatMap((probe, index) => {
      const answer = answers[index]!;
      if (answer.status >= 500) return [`${describeProbe(probe, answer)}: 5xx`];
      if (!probe.variant.legitimate) return [];
      return (probe.variant.ownerGets?.(answer) ?? served(probe, answer, victim))
        ? []
        : [`${describeProbe(probe, answer)}: not served (${answer.body.slice(0, 120)})`];
    });
    expect(failures).toEqual([]);
  });

  it('runs in the mode it says: the gate redirects before the page renders, or the page redirects itself', async () => {
    const answer = await send(app.baseUrl, 'GET', '/account', {});
    expect(answer.status).toBe(307);
    expect(answer.headers.location).toBe('/login?next=%2Faccount');
    // The gate answers before any page renders; without it, the page's own requireSession() redirects.
    expect(answer.body.includes('<html')).toBe(gateOff);
  });

  it("leaves the victim's passkey as it was after every attack", async () => {
    const list = await send(app.baseUrl, 'GET', '/api/account/passkeys', { cookie: victim.cookie });
    const { passkeys } = JSON.parse(list.body) as { passkeys: Array<{ id: string; name: string }> };
    expect(passkeys).toEqual([expect.objectContaining({ id: victim.passkeyId, name: VICTIM_PASSKEY_NAME })]);
  });
});
