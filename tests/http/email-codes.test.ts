import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import path from 'node:path';
import { AdminDisableUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { itemKey, storeItems } from '../support/store-items';
import { addPasswordUser } from '../support/users';

/**
 * One-time email codes over HTTP against the production server: 6 digits, 10 minutes, single
 * use, 5 tries, sending limited per email and per client address, and never a hint whether an
 * account exists.
 *
 * Each test sends from its own loopback address (Linux routes all of 127.0.0.0/8 to the
 * loopback interface), so the per-address limit sees distinct clients, as it would in real use.
 */

let app: TestApp;
const SESSION_COOKIE = '__Host-session';
const existing = { email: 'existing@example.com', password: 'Correct-horse-8' };

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, existing.email, existing.password);
});
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(app?.output());
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

let lastAddress = 9;
/** A client address of its own: 127.0.0.10, 127.0.0.11, ... */
const newClientAddress = () => `127.0.0.${++lastAddress}`;

/** POST /api/auth/email-code from the loopback address `from`, with any extra headers. */
function sendCode(email: unknown, from: string, headers: Record<string, string> = {}): Promise<Response> {
  const target = new URL(url('/api/auth/email-code'));
  const body = JSON.stringify({ email });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress: from,
        headers: {
          host: target.host,
          origin: target.origin,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of [value ?? []].flat()) answer.append(name, item);
          }
          resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode, headers: answer }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function sendCodeOk(email: string, from: string): Promise<string> {
  const response = await sendCode(email, from);
  expect(response.status).toBe(202);
  return latestCodeFor(email);
}

function verifyCode(email: unknown, code: unknown, jar = new CookieJar()): Promise<Response> {
  return jar.fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code }));
}

interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
}
function outbox(dataDir = app.dataDir): OutboxMessage[] {
  const file = path.join(dataDir, 'outbox.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage);
}
const messagesTo = (email: string) => outbox().filter((message) => message.to === email);

function latestCodeFor(email: string): string {
  const message = messagesTo(email).at(-1);
  const code = message && /^Your sign-in code: (\d+)$/.exec(message.subject)?.[1];
  if (!code) throw new Error(`no code for ${email} in the outbox`);
  return code;
}

/** A 6-digit code that is not `code`. */
const otherCode = (code: string, step = 1) => String((Number(code) + step) % 1_000_000).padStart(6, '0');

const setsSession = (response: Response) =>
  response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`) && !/max-age=0/i.test(line));

async function expectInvalidCode(response: Response) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: { code: 'invalid_code', message: expect.any(String) } });
  expect(setsSession(response)).toBe(false);
}

/** The email's pending code as the app stored it in its table; undefined when there is none. */
const codeRow = async (email: string) => {
  const item = await storeItems(app.dynamo).get(itemKey.code(email));
  return item
    ? { hash: item.codeHash as string, attempts: item.attempts as number, expiresAt: item.expiresAt as number }
    : undefined;
};

async function cognitoUser(email: string) {
  const user = await app.sdk.send(new AdminGetUserCommand({ UserPoolId: app.cognito.userPoolId, Username: email }));
  return {
    status: user.UserStatus,
    attributes: Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value])),
  };
}

describe('sending a code', () => {
  it('answers 202 with the same body for an existing and an unknown email, and writes a code to the outbox for each', async () => {
    const from = newClientAddress();
    const known = await sendCode(existing.email, from);
    const unknown = await sendCode('nobody.yet@example.com', from);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    expect(messagesTo(existing.email)).toHaveLength(1);
    expect(messagesTo('nobody.yet@example.com')).toHaveLength(1);
  });

  it('sends 6-digit codes, valid at most 10 minutes, of which the database keeps only a keyed hash', async () => {
    const email = 'digits@example.com';
    const from = newClientAddress();
    for (let sent = 0; sent < 3; sent += 1) {
      const before = Date.now();
      const code = await sendCodeOk(email, from);
      expect(code).toMatch(/^\d{6}$/);
      const message = messagesTo(email).at(-1)!;
      expect(message.text).toContain(code);
      const row = (await codeRow(email))!;
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.hash).not.toContain(code);
      expect(row.expiresAt - before).toBeLessThanOrEqual(10 * 60_000 + 1000);
      expect(row.expiresAt - before).toBeGreaterThan(9 * 60_000);
    }
  });

  const malformedEmails: Array<[string, unknown]> = [
    ['no domain', 'not-an-email'],
    ['an undotted domain', 'someone@localhost'],
    ['a CRLF header injection', 'victim@example.com\r\nBcc: everyone@example.com'],
    ['an LF header injection', 'victim@example.com\nSubject: hello'],
    ['angle brackets', '<victim@example.com>'],
    ['a space in the domain', 'victim@exam ple.com'],
    ['a NUL byte', 'victim@example.com\u0000'],
    ['full-width letters', 'ｖｉｃｔｉｍ@example.com'],
    ['the Kelvin sign, which lower-cases to k', 'victim@\u212Aelvin.example.com'],
    ['more than 254 characters', `${'a'.repeat(250)}@example.com`],
    ['a number', 12345],
    ['an array', ['victim@example.com']],
    ['an object', { email: 'victim@example.com' }],
    ['null', null],
  ];

  it.each(malformedEmails)(
    'refuses an email with %s with 400, and the outbox receives nothing',
    async (_name, email) => {
      const before = outbox().length;
      const response = await sendCode(email, newClientAddress());
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: 'invalid_request', message: expect.any(String) } });
      expect(outbox()).toHaveLength(before);
    },
  );
});

describe('signing in with a code', () => {
  it('signs up a new user: provisioned in Cognito, confirmed, email verified, custom:createdByCorbado=true', async () => {
    const email = 'newbie@example.com';
    const jar = new CookieJar();
    const response = await verifyCode(email, await sendCodeOk(email, newClientAddress()), jar);
    expect(response.status).toBe(200);
    expect(setsSession(response)).toBe(true);
    const body = (await response.json()) as {
      user: { email: string; sub: string; method: string };
      hasPasskey: boolean;
    };
    expect(body).toEqual({
      user: { email, sub: expect.any(String), method: 'email_code' },
      hasPasskey: false,
      offerPasskey: true,
    });

    const user = await cognitoUser(email);
    expect(user.status).toBe('CONFIRMED');
    expect(user.attributes).toMatchObject({
      email,
      email_verified: 'true',
      'custom:createdByCorbado': 'true',
      sub: body.user.sub,
    });
    expect(await (await jar.fetch(url('/api/auth/me'))).json()).toMatchObject({
      email,
      sub: body.user.sub,
      method: 'email_code',
    });
  });

  it('signs in an existing password user as themselves, without re-provisioning them', async () => {
    const before = await cognitoUser(existing.email);
    const response = await verifyCode(existing.email, await sendCodeOk(existing.email, newClientAddress()));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { email: existing.email, sub: before.attributes.sub } });
    const after = await cognitoUser(existing.email);
    expect(after.attributes['custom:createdByCorbado']).toBeUndefined();
    expect((await new CookieJar().fetch(url('/api/auth/password'), jsonPost(existing))).status).toBe(200);
  });

  it('accepts a code only once, and keeps no trace of it after the sign-in', async () => {
    const email = 'once@example.com';
    const code = await sendCodeOk(email, newClientAddress());
    expect((await verifyCode(email, code)).status).toBe(200);
    expect(await codeRow(email)).toBeUndefined();
    await expectInvalidCode(await verifyCode(email, code));
  });

  it('a right code for a disabled account: 403 and no session, and the code is gone', async () => {
    const email = 'disabled@example.com';
    await addPasswordUser(app, email, 'Correct-horse-9');
    await app.sdk.send(new AdminDisableUserCommand({ UserPoolId: app.cognito.userPoolId, Username: email }));
    const code = await sendCodeOk(email, newClientAddress());
    const refused = await verifyCode(email, code);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('account_blocked');
    expect(setsSession(refused)).toBe(false);
    expect(await codeRow(email)).toBeUndefined();
    await expectInvalidCode(await verifyCode(email, code));
  });

  it.each([
    ['4 wrong tries leave the code usable', 4, 200],
    ['5 wrong tries use the code up, so even the right code then fails', 5, 401],
  ])('%s', async (_name, wrongTries, finalStatus) => {
    const email = `tries-${wrongTries}@example.com`;
    const code = await sendCodeOk(email, newClientAddress());
    for (let attempt = 1; attempt <= wrongTries; attempt += 1) {
      await expectInvalidCode(await verifyCode(email, otherCode(code, attempt)));
    }
    const last = await verifyCode(email, code);
    expect(last.status).toBe(finalStatus);
    expect(setsSession(last)).toBe(finalStatus === 200);
  });

  it('replaces the previous code with a new one', async () => {
    const email = 'twice@example.com';
    const from = newClientAddress();
    const first = await sendCodeOk(email, from);
    const second = await sendCodeOk(email, from);
    expect(second).not.toBe(first);
    await expectInvalidCode(await verifyCode(email, first));
    expect((await verifyCode(email, second)).status).toBe(200);
  });

  it('refuses an expired code (its expiresAt moved into the past in the table) and forgets it', async () => {
    const email = 'late@example.com';
    const code = await sendCodeOk(email, newClientAddress());
    // The server's clock cannot be moved from here, so the stored code is aged instead.
    const aged = await storeItems(app.dynamo).update(itemKey.code(email), { expiresAt: Date.now() - 1000 });
    expect(aged).toBe(true);
    await expectInvalidCode(await verifyCode(email, code));
    expect(await codeRow(email)).toBeUndefined();
  });

  it('refuses a code sent to another email', async () => {
    const from = newClientAddress();
    const mine = await sendCodeOk('mine@example.com', from);
    await sendCodeOk('yours@example.com', from);
    await expectInvalidCode(await verifyCode('yours@example.com', mine));
  });

  const malformedCodes: Array<[string, unknown]> = [
    ['letters', 'abcdef'],
    ['5 digits', '12345'],
    ['7 digits', '1234567'],
    ['digits with a space', ' 123456'],
    ['full-width digits', '１２３４５６'],
    ['a number instead of a string', 123456],
    ['an object', { code: '123456' }],
    ['an array', ['123456']],
    ['null', null],
    ['an empty string', ''],
    ['7000 digits', '1'.repeat(7000)],
  ];

  it.each(malformedCodes)(
    'refuses a code of %s with 401 invalid_code, and it costs no try',
    async (name, malformed) => {
      const email = `malformed-${malformedCodes.findIndex(([n]) => n === name)}@example.com`;
      const code = await sendCodeOk(email, newClientAddress());
      const response = await verifyCode(email, malformed);
      await expectInvalidCode(response);
      expect((await codeRow(email))?.attempts).toBe(0);
      expect((await verifyCode(email, code)).status).toBe(200);
    },
  );

  it.each([
    ['no email', { code: '123456' }],
    ['an email that is an object', { email: { $ne: '' }, code: '123456' }],
    ['a body that is an array', ['x']],
  ])('answers 400 to a verification with %s', async (_name, body) => {
    const response = await new CookieJar().fetch(url('/api/auth/email-code/verify'), jsonPost(body));
    expect(response.status).toBe(400);
    expect(setsSession(response)).toBe(false);
  });
});

describe('rate limits on sending', () => {
  const FIFTEEN_MINUTES = 15 * 60;

  function expectRateLimited(response: Response) {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(FIFTEEN_MINUTES);
  }

  it('refuses the 6th code for one email within 15 minutes with 429 and Retry-After, from any address', async () => {
    const email = 'flooded@example.com';
    const from = newClientAddress();
    for (let sent = 0; sent < 5; sent += 1) expect((await sendCode(email, from)).status).toBe(202);
    expectRateLimited(await sendCode(email, from));
    expectRateLimited(await sendCode(email, newClientAddress()));
    expect(messagesTo(email)).toHaveLength(5);
    // The limit is the email's: the same client may still send to another address.
    expect((await sendCode('unflooded@example.com', from)).status).toBe(202);
  });

  it('refuses the 21st code from one client address within 15 minutes, while another address still gets one', async () => {
    const from = newClientAddress();
    for (let sent = 0; sent < 20; sent += 1)
      expect((await sendCode(`spray-${sent}@example.com`, from)).status).toBe(202);
    expectRateLimited(await sendCode('spray-20@example.com', from));
    expect(messagesTo('spray-20@example.com')).toHaveLength(0);
    expect((await sendCode('spray-20@example.com', newClientAddress())).status).toBe(202);
  });

  it('behind a proxy that appends the client address, takes the right-most X-Forwarded-For entry: a client-chosen left part does not bypass the limit', async () => {
    const from = newClientAddress();
    const forwardedFor = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7` });
    for (let sent = 0; sent < 20; sent += 1) {
      expect((await sendCode(`proxied-${sent}@example.com`, from, forwardedFor(sent))).status).toBe(202);
    }
    expectRateLimited(await sendCode('proxied-20@example.com', from, forwardedFor(20)));
  });

  // `next start` alone only fills in X-Forwarded-For when a request has none; the production
  // server (scripts/next-server.mjs) appends the peer address, which the limiter counts.
  it('a client talking to the production server directly cannot escape the per-address limit by choosing X-Forwarded-For', async () => {
    const from = newClientAddress();
    for (let sent = 0; sent < 20; sent += 1) {
      expect(
        (await sendCode(`spoof-${sent}@example.com`, from, { 'x-forwarded-for': `203.0.113.${sent}` })).status,
      ).toBe(202);
    }
    expectRateLimited(await sendCode('spoof-20@example.com', from, { 'x-forwarded-for': '203.0.113.20' }));
  });
});

describe('the guess budget of an email, across resends', () => {
  it('10 wrong codes within 15 minutes, over two sent codes: even the right third code then waits (429 with Retry-After)', async () => {
    const email = 'guesser@example.com';
    const from = newClientAddress();
    for (let round = 0; round < 2; round++) {
      const code = await sendCodeOk(email, from);
      for (let guess = 1; guess <= 5; guess++) await expectInvalidCode(await verifyCode(email, otherCode(code, guess)));
    }
    const third = await sendCodeOk(email, from);
    const refused = await verifyCode(email, third);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(setsSession(refused)).toBe(false);
    // The budget is the email's: another email's code from the same client still works.
    const other = await sendCodeOk('not-guessed@example.com', from);
    expect((await verifyCode('not-guessed@example.com', other)).status).toBe(200);
  });
});

describe('with a Corbado Complete (legacy) project configured', () => {
  let corbadoApp: TestApp;
  let jwks: Server;

  beforeAll(async () => {
    // Corbado's Frontend API only needs to answer the health check's JWKS probe here.
    jwks = createServer((_request, response) => response.end('{"keys":[]}'));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as { port: number };
    corbadoApp = await startTestApp({
      CORBADO_MODE: 'complete',
      CORBADO_PROJECT_ID: 'pro-1234567890',
      CORBADO_API_SECRET: 'corbado1_xxxxxxxxxxxxxxxxxxxx',
      CORBADO_FRONTEND_API: `http://127.0.0.1:${port}`,
    });
  });
  afterAll(async () => {
    await corbadoApp?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it.each([
    ['/api/auth/email-code', { email: 'someone@example.com' }],
    ['/api/auth/email-code/verify', { email: 'someone@example.com', code: '123456' }],
    ['/api/passkeys/sign-in/options', {}],
    ['/api/passkeys/sign-in', { response: {} }],
  ])('answers 404 at %s and sends nothing', async (route, body) => {
    const response = await new CookieJar().fetch(`${corbadoApp.baseUrl}${route}`, jsonPost(body));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(outbox(corbadoApp.dataDir)).toEqual([]);
  });
});
