import { AdminDisableUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditLines,
  cognitoCallsDuring,
  poolSnapshot,
  PROJECT_ID,
  startCorbadoTestStack,
  WEBHOOK_PASSWORD,
  WEBHOOK_USERNAME,
  type CorbadoTestStack,
} from '../support/corbado-stack';
import { addPasswordUser } from '../support/users';

/**
 * POST /api/corbado/webhook with real HTTP requests in Corbado's documented shapes:
 * - existing-user-base actions (docs.corbado.com, "Webhooks"): body {id, projectID, action, data},
 *   header X-Corbado-Action; answer {responseID, data};
 * - event notifications (docs.corbado.com, "Webhooks / Events"): body {type, metadata, timestamp,
 *   data}, header X-Corbado-Webhook-Event; answered 2xx, recorded once in the audit log.
 * Corbado itself cannot call the test server, so the tests send what it sends.
 */

let stack: CorbadoTestStack;
const url = () => `${stack.app.baseUrl}/api/corbado/webhook`;
const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const AUTH = () => basic(WEBHOOK_USERNAME, WEBHOOK_PASSWORD);
const password = 'Webhook-passw0rd';

/** passwordVerify requests sent so far in this file: they all count against the per-address limit. */
let passwordVerifySent = 0;
const PER_ADDRESS_LIMIT = 300;

beforeAll(async () => {
  stack = await startCorbadoTestStack();
  await addPasswordUser(stack.app, 'existing@example.com', password);
  await addPasswordUser(stack.app, 'disabled@example.com', password);
  await stack.app.sdk.send(
    new AdminDisableUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: 'disabled@example.com' }),
  );
  const token = await stack.frontend.sessionToken({
    sub: 'usr-8000000000000000001',
    email: 'made.by.corbado@example.com',
  });
  const exchanged = await fetch(`${stack.app.baseUrl}/api/auth/session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(exchanged.status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTH(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

let requestCounter = 0;
function action(name: string, data: Record<string, unknown>) {
  requestCounter += 1;
  return { id: `who-${1_000_000 + requestCounter}`, projectID: PROJECT_ID, action: name, data };
}

function sendAction(name: string, data: Record<string, unknown>, headers: Record<string, string> = {}) {
  if (name === 'passwordVerify') passwordVerifySent += 1;
  return post(action(name, data), { 'x-corbado-action': name, ...headers });
}

const metadata = {
  ip: '172.20.0.13',
  os: 'macOS 15.0.1',
  browser: 'Chrome 133.0.0',
  customHeaders: { 'x-custom-header': 'value' },
};

function event(type: string, data: Record<string, unknown>, timestamp = new Date().toISOString()) {
  return { type, metadata, timestamp, data };
}
const credential = (id: string) => ({
  id,
  webAuthnID: 'usr-527190118940595405',
  browser: 'Chrome 133.0.0',
  os: 'macOS 15.0.1',
});
const user = (fullName: string) => ({ id: 'usr-527190118940595405', fullName, status: 'active' });
const identifiers = [
  { id: 'ide-5278639276056059231', type: 'email', value: 'the.new.user@corbado.com', status: 'verified' },
];

const EVENTS: Array<[string, Record<string, unknown>, string]> = [
  ['user.created', { user: user('Corbado User'), identifiers }, 'webhook_event'],
  ['user.updated', { user: user('Updated Corbado User'), identifiers }, 'webhook_event'],
  ['user.deleted', { userID: 'usr-527190118940595405' }, 'webhook_event'],
  [
    'passkey.created',
    { userID: 'usr-527190118940595405', credential: credential('cre-10264112935886989443') },
    'passkey_added',
  ],
  [
    'passkey.deleted',
    { userID: 'usr-527190118940595405', credential: credential('cre-10264112935886989443') },
    'passkey_removed',
  ],
  [
    'passkey-login.completed',
    { userID: 'usr-527190118940595405', credential: credential('cre-12532377606666115131') },
    'webhook_event',
  ],
];

describe('webhook basic auth', () => {
  const wrong: Array<[string, Record<string, string>]> = [
    ['no Authorization header', { authorization: '' }],
    ['a wrong password', { authorization: basic(WEBHOOK_USERNAME, `${WEBHOOK_PASSWORD}x`) }],
    ['a wrong username', { authorization: basic('someone-else', WEBHOOK_PASSWORD) }],
    [
      'the password with its last character missing',
      { authorization: basic(WEBHOOK_USERNAME, WEBHOOK_PASSWORD.slice(0, -1)) },
    ],
    [
      'no colon in the credentials',
      { authorization: `Basic ${Buffer.from(WEBHOOK_USERNAME + WEBHOOK_PASSWORD).toString('base64')}` },
    ],
    ['a Bearer token instead of Basic', { authorization: `Bearer ${WEBHOOK_PASSWORD}` }],
    ['credentials that are not base64', { authorization: 'Basic !!!not-base64!!!' }],
  ];

  it.each(wrong)('answers 401 with WWW-Authenticate and makes no Cognito call for %s', async (_name, headers) => {
    const calls = await cognitoCallsDuring(stack.app, async () => {
      const response = await post(action('authMethods', { username: 'existing@example.com' }), {
        'x-corbado-action': 'authMethods',
        ...headers,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(await response.json()).toEqual({ error: { code: 'webhook_unauthorized', message: expect.any(String) } });
    });
    expect(calls).toEqual({});
  });

  it('accepts a request from any site (Corbado calls server to server), given the credentials', async () => {
    const response = await sendAction(
      'authMethods',
      { username: 'existing@example.com' },
      { origin: 'https://backendapi.cloud.corbado.io' },
    );
    expect(response.status).toBe(200);
  });
});

describe('action authMethods', () => {
  it.each([
    ['a password user of the pool', 'existing@example.com', 'exists', { AdminGetUser: 1 }],
    ['the same user written in another case', ' Existing@Example.COM ', 'exists', { AdminGetUser: 1 }],
    ['an email the pool does not know', 'nobody@example.com', 'not_exists', { AdminGetUser: 1 }],
    ['a user Corbado provisioned', 'made.by.corbado@example.com', 'not_exists', { AdminGetUser: 1 }],
    ['a disabled user', 'disabled@example.com', 'blocked', { AdminGetUser: 1 }],
    ['a username that is not an email (cannot exist in an email-as-username pool)', '+4915121609839', 'not_exists', {}],
  ])('answers {responseID, data: {status}} for %s: %s → %s', async (_name, username, status, expectedCalls) => {
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await sendAction('authMethods', { username });
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ responseID: expect.stringMatching(/^[0-9a-f-]{36}$/), data: { status } });
    expect(calls).toEqual(expectedCalls);
  });

  it('gives every answer its own responseID and audits the request id', async () => {
    const first = await sendAction('authMethods', { username: 'existing@example.com' });
    const second = await sendAction('authMethods', { username: 'existing@example.com' });
    const [a, b] = [await first.json(), await second.json()];
    expect(a.responseID).not.toBe(b.responseID);
    const audited = auditLines(stack.app, 'webhook_event').filter((line) => line.action === 'authMethods');
    expect(audited.some((line) => line.responseId === a.responseID && typeof line.corbadoRequestId === 'string')).toBe(
      true,
    );
  });
});

describe('action passwordVerify', () => {
  it('answers success: true for the right password and revokes the refresh token the check produced', async () => {
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await sendAction('passwordVerify', { username: 'existing@example.com', password });
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ responseID: expect.any(String), data: { success: true } });
    expect(calls).toEqual({ InitiateAuth: 1, RevokeToken: 1 });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ['a wrong password', 'existing@example.com', 'Wrong-passw0rd', { InitiateAuth: 1 }],
    ['an unknown email', 'nobody@example.com', password, { InitiateAuth: 1 }],
    ['a disabled user with the right password', 'disabled@example.com', password, { InitiateAuth: 1 }],
    ['a username that is not an email', 'not-an-email', password, {}],
  ])('answers success: false for %s, leaving no session', async (_name, username, guess, expectedCalls) => {
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await sendAction('passwordVerify', { username, password: guess });
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ responseID: expect.any(String), data: { success: false } });
    expect(calls).toEqual(expectedCalls);
  });

  it("is held by the password route's per-account lockout: after 10 wrong passwords in 15 minutes, 429 with Retry-After, without a Cognito call", async () => {
    const username = 'rate.limited@example.com';
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await sendAction('passwordVerify', { username, password: `Guess-${attempt}-aA` });
      expect(response.status).toBe(200);
    }
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await sendAction('passwordVerify', { username: ' Rate.Limited@Example.com', password: 'Guess-11-aA' });
    });
    expect(response.status).toBe(429);
    // Refused by the per-account lockout, so it counts against the per-address limit neither.
    passwordVerifySent -= 1;
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await response.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(calls).toEqual({});
    // Another account is not affected by one account's limit.
    const other = await sendAction('passwordVerify', { username: 'existing@example.com', password });
    expect(other.status).toBe(200);
  });

  it(`is rate-limited per client address: after ${PER_ADDRESS_LIMIT} verifications in 5 minutes, 429 with Retry-After`, async () => {
    const remaining = PER_ADDRESS_LIMIT - passwordVerifySent;
    expect(remaining).toBeGreaterThan(0);
    for (let i = 0; i < remaining; i += 1) {
      // Distinct non-email usernames: each stays under its own limit and costs no Cognito call.
      const response = await sendAction('passwordVerify', { username: `flood-${i}`, password: 'x' });
      expect(response.status).toBe(200);
    }
    const response = await sendAction('passwordVerify', { username: 'existing@example.com', password });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(300);
    // authMethods is not a password guess and stays available.
    expect((await sendAction('authMethods', { username: 'existing@example.com' })).status).toBe(200);
  });
});

describe('event notifications', () => {
  it.each(EVENTS)(
    '%s is validated, answered 2xx and recorded once in the audit log',
    async (type, data, auditEvent) => {
      const body = event(type, data);
      const snapshot = await poolSnapshot(stack.app);
      let response!: Response;
      const calls = await cognitoCallsDuring(stack.app, async () => {
        response = await post(body, { 'x-corbado-webhook-event': type });
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true, duplicate: false });
      expect(calls).toEqual({});
      expect(await poolSnapshot(stack.app)).toBe(snapshot);
      const recorded = auditLines(stack.app, auditEvent).filter(
        (line) => line.corbadoEvent === type && line.occurredAt === body.timestamp,
      );
      expect(recorded).toEqual([
        expect.objectContaining({ source: 'corbado_webhook', corbadoUserId: expect.stringMatching(/^usr-/) }),
      ]);
    },
  );

  it.each(EVENTS)(
    '%s replayed (as Corbado retries) is acknowledged but changes nothing a second time',
    async (type, data, auditEvent) => {
      const body = event(type, data, '2025-02-14T11:46:43.594507722Z');
      const first = await post(body, { 'x-corbado-webhook-event': type });
      expect(await first.json()).toEqual({ received: true, duplicate: false });
      const countAfterFirst = auditLines(stack.app, auditEvent).length;
      // Same event, keys in another order, sent twice more.
      const reordered = JSON.stringify({
        data: body.data,
        timestamp: body.timestamp,
        metadata: body.metadata,
        type: body.type,
      });
      for (const replay of [reordered, JSON.stringify(body)]) {
        const response = await post(replay, { 'x-corbado-webhook-event': type });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ received: true, duplicate: true });
      }
      expect(auditLines(stack.app, auditEvent).length).toBe(countAfterFirst);
    },
  );

  it('an event type this app does not know is answered 2xx (Corbado retries anything else), logged, and changes nothing', async () => {
    const snapshot = await poolSnapshot(stack.app);
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await post(event('identifier.created', { userID: 'usr-1' }), {
        'x-corbado-webhook-event': 'identifier.created',
      });
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, ignored: true });
    expect(calls).toEqual({});
    expect(await poolSnapshot(stack.app)).toBe(snapshot);
    const logged = stack.app
      .output()
      .split('\n')
      .filter((line) => line.includes('corbado_event_unknown'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 'warn', corbadoEvent: 'identifier.created' })]);
  });

  it('treats the same kind of event at another time as a new event', async () => {
    const data = { userID: 'usr-527190118940595405', credential: credential('cre-1') };
    const first = await post(event('passkey-login.completed', data, '2025-02-14T11:00:00Z'));
    const second = await post(event('passkey-login.completed', data, '2025-02-14T12:00:00Z'));
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    expect(await second.json()).toEqual({ received: true, duplicate: false });
  });
});

describe('malformed webhook requests get a 4xx with a short reason, never a 500 and never a Cognito call', () => {
  const big = 'x'.repeat(20 * 1024);
  const cases: Array<[string, () => Promise<Response>, number, string]> = [
    ['malformed JSON', () => post('{"id": "who-1", "action": '), 400, 'invalid_request'],
    ['a JSON array', () => post('[1,2,3]'), 400, 'invalid_request'],
    ['an empty body', () => post(''), 400, 'invalid_request'],
    ['neither an action nor an event', () => post({ hello: 'world' }), 400, 'invalid_request'],
    [
      'an unknown action',
      () =>
        post(action('deleteEverything', { username: 'existing@example.com' }), {
          'x-corbado-action': 'deleteEverything',
        }),
      400,
      'invalid_request',
    ],
    [
      'an unknown action in the header only',
      () => post({ id: 'who-1', projectID: PROJECT_ID, data: {} }, { 'x-corbado-action': 'sessionCreate' }),
      400,
      'invalid_request',
    ],
    [
      'X-Corbado-Action disagreeing with the body',
      () =>
        post(action('passwordVerify', { username: 'existing@example.com', password }), {
          'x-corbado-action': 'authMethods',
        }),
      400,
      'invalid_request',
    ],
    [
      'another project',
      () => post({ ...action('authMethods', { username: 'existing@example.com' }), projectID: 'pro-999' }),
      400,
      'invalid_request',
    ],
    [
      'no request id',
      () => post({ ...action('authMethods', { username: 'existing@example.com' }), id: undefined }),
      400,
      'invalid_request',
    ],
    [
      'data that is not an object',
      () => post({ ...action('authMethods', {}), data: 'existing@example.com' }),
      400,
      'invalid_request',
    ],
    ['no username', () => post(action('authMethods', {})), 400, 'invalid_request'],
    [
      'a username that is not a string',
      () => post(action('authMethods', { username: ['existing@example.com'] })),
      400,
      'invalid_request',
    ],
    [
      'passwordVerify without a password',
      () => post(action('passwordVerify', { username: 'existing@example.com' })),
      400,
      'invalid_request',
    ],
    [
      'a password of 10 000 characters',
      () => post(action('passwordVerify', { username: 'existing@example.com', password: 'p'.repeat(10_000) })),
      400,
      'invalid_request',
    ],
    [
      'an event type that is not a string',
      () => post({ ...event('user.deleted', { userID: 'usr-1' }), type: 42 }),
      400,
      'invalid_request',
    ],
    [
      'an event nested 5,000 levels deep (once a stack overflow: 500)',
      () =>
        post(
          `{"type":"user.deleted","timestamp":"2025-02-14T11:00:00Z","data":{"userID":"usr-1","x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
        ),
      400,
      'invalid_request',
    ],
    [
      'an action nested 5,000 levels deep',
      () =>
        post(
          `{"id":"who-1","projectID":"${PROJECT_ID}","action":"authMethods","data":{"username":"a@b.co","x":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}}`,
        ),
      400,
      'invalid_request',
    ],
    [
      'an event header disagreeing with the type',
      () => post(event('user.deleted', { userID: 'usr-1' }), { 'x-corbado-webhook-event': 'user.created' }),
      400,
      'invalid_request',
    ],
    [
      'an event without a timestamp',
      () => post({ type: 'user.deleted', data: { userID: 'usr-1' } }),
      400,
      'invalid_request',
    ],
    [
      'an event with a timestamp that is not a date',
      () => post(event('user.deleted', { userID: 'usr-1' }, 'yesterday')),
      400,
      'invalid_request',
    ],
    ['user.deleted without userID', () => post(event('user.deleted', {})), 400, 'invalid_request'],
    [
      'user.created without identifiers',
      () => post(event('user.created', { user: user('A') })),
      400,
      'invalid_request',
    ],
    [
      'passkey.created without a credential id',
      () => post(event('passkey.created', { userID: 'usr-1', credential: {} })),
      400,
      'invalid_request',
    ],
    [
      'an oversized body (20 KB)',
      () => post(action('authMethods', { username: 'existing@example.com', padding: big })),
      413,
      'payload_too_large',
    ],
    [
      'an oversized body sent without Content-Length',
      () =>
        fetch(url(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: AUTH(), 'x-corbado-action': 'authMethods' },
          body: new ReadableStream({
            start(controller) {
              controller.enqueue(
                new TextEncoder().encode(JSON.stringify(action('authMethods', { username: 'a@b.co', padding: big }))),
              );
              controller.close();
            },
          }),
          duplex: 'half',
        } as RequestInit),
      413,
      'payload_too_large',
    ],
    [
      'a form-encoded body',
      () => post('id=who-1&action=authMethods', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    let response!: Response;
    const calls = await cognitoCallsDuring(stack.app, async () => {
      response = await send();
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expect(body.error.message.length).toBeLessThan(120);
    expect(calls).toEqual({});
  });

  it('answers GET with 405', async () => {
    const response = await fetch(url(), { headers: { authorization: AUTH() } });
    expect(response.status).toBe(405);
  });

  it('logged no unhandled error for any of them', () => {
    expect(stack.app.output()).not.toContain('unhandled_error');
  });
});
