import { request } from 'node:http';
import { AdminDisableUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolSnapshot } from '../support/corbado-stack';
import { ACTIONS_SECRET, startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
import { addPasswordUser } from '../support/users';

/**
 * Corbado Connect Actions over real HTTP, as the stand-in of Corbado's cloud sends them (the
 * request shapes are ours, docs/CORBADO.md): POST /api/corbado/connect/actions/pre-login
 * {identifier} and /post-append {username, credentialId}, `Authorization: Bearer <secret>`.
 * Each test speaks from its own loopback address, so the per-address limits do not mix.
 */

let stack: ConnectTestStack;
let lastAddress = 10;
const newClientAddress = () => `127.0.0.${++lastAddress}`;
const password = 'Actions-passw0rd';

beforeAll(async () => {
  stack = await startConnectTestStack();
  await addPasswordUser(stack.app, 'pat@example.com', password);
  await addPasswordUser(stack.app, 'disabled@example.com', password);
  await stack.app.sdk.send(
    new AdminDisableUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: 'disabled@example.com' }),
  );
});
afterAll(async () => {
  await stack?.stop();
});

async function cognitoUsername(email: string): Promise<string> {
  const user = await stack.app.sdk.send(
    new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
  );
  return user.Username!;
}

async function attributes(email: string): Promise<Record<string, string | undefined>> {
  const user = await stack.app.sdk.send(
    new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
  );
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
}

/** POSTs `body` (a string is sent as it is) from the loopback address `from`. */
function action(
  name: 'pre-login' | 'post-append',
  body: unknown,
  options: { from?: string; authorization?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const target = new URL(`${stack.app.baseUrl}/api/corbado/connect/actions/${name}`);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const authorization = options.authorization === undefined ? `Bearer ${ACTIONS_SECRET}` : options.authorization;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress: options.from ?? newClientAddress(),
        headers: {
          host: target.host,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(authorization === null ? {} : { authorization }),
          ...options.headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const headers = new Headers();
          for (const [key, value] of Object.entries(incoming.headers))
            for (const item of [value ?? []].flat()) headers.append(key, item);
          const status = incoming.statusCode ?? 0;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

describe('pre-login: the typed email → the Cognito username', () => {
  it('answers 200 {username} for an existing user, however the email was typed', async () => {
    const response = await action(
      'pre-login',
      { identifier: '  Pat@Example.COM ' },
      { headers: { origin: 'https://corbado.example' } },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ username: await cognitoUsername('pat@example.com') });
  });

  it.each(['nobody@example.com', 'disabled@example.com', 'not an email'])(
    'answers 404 user_not_found for %s',
    async (identifier) => {
      const response = await action('pre-login', { identifier });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'user_not_found' });
    },
  );
});

describe('post-append: records that the user has a passkey', () => {
  it('sets custom:hasPasskey=true on exactly the named user and answers 204', async () => {
    await addPasswordUser(stack.app, 'appender@example.com', password);
    const username = await cognitoUsername('appender@example.com');
    expect(await attributes('appender@example.com')).not.toHaveProperty('custom:hasPasskey');
    const response = await action('post-append', { username, credentialId: 'AQIDBAUGBwgJCgsMDQ4PEA' });
    expect(response.status).toBe(204);
    expect(await attributes('appender@example.com')).toMatchObject({ 'custom:hasPasskey': 'true' });
    expect(await attributes('pat@example.com')).not.toHaveProperty('custom:hasPasskey');
  });

  it('answers 404 for a username the pool does not have, and changes nothing', async () => {
    const before = await poolSnapshot(stack.app);
    const response = await action('post-append', {
      username: 'a0b1c2d3-0000-4000-8000-000000000000',
      credentialId: 'AQID',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'user_not_found' });
    expect(await poolSnapshot(stack.app)).toBe(before);
  });

  it('does not take an email alias for the username when they differ, and changes nothing', async () => {
    const username = await cognitoUsername('pat@example.com');
    const before = await poolSnapshot(stack.app);
    const response = await action('post-append', { username: 'PAT@example.com', credentialId: 'AQID' });
    // Only a pool whose usernames are the emails themselves would know this user by it.
    expect(response.status).toBe(username === 'PAT@example.com' ? 204 : 404);
    expect(await poolSnapshot(stack.app)).toBe(before);
  });
});

describe('authentication', () => {
  const wrongSecrets: Array<[string, string | null]> = [
    ['no Authorization header', null],
    ['an empty bearer', 'Bearer '],
    ['the secret as Basic auth', `Basic ${Buffer.from(`x:${ACTIONS_SECRET}`).toString('base64')}`],
    ['the secret minus its last character', `Bearer ${ACTIONS_SECRET.slice(0, -1)}`],
    ['the secret plus one character', `Bearer ${ACTIONS_SECRET}x`],
    ['a different secret of the same length', `Bearer ${'x'.repeat(ACTIONS_SECRET.length)}`],
    ['the secret twice', `Bearer ${ACTIONS_SECRET} ${ACTIONS_SECRET}`],
  ];

  it.each(wrongSecrets)('refuses %s with the same 401 and changes nothing', async (_name, authorization) => {
    const before = await poolSnapshot(stack.app);
    const username = await cognitoUsername('pat@example.com');
    for (const [name, body] of [
      ['pre-login', { identifier: 'pat@example.com' }],
      ['post-append', { username, credentialId: 'AQID' }],
    ] as const) {
      const response = await action(name, body, { authorization });
      expect(response.status).toBe(401);
      // One answer whatever is wrong with the secret: nothing tells how close a guess was.
      expect(await response.json()).toEqual({
        error: { code: 'actions_unauthorized', message: 'The Corbado Action credentials are missing or wrong.' },
      });
    }
    expect(await poolSnapshot(stack.app)).toBe(before);
  });

  it('shuts out an address after 20 wrong secrets, even with the right one, and tells when to retry', async () => {
    const from = newClientAddress();
    for (let tried = 0; tried < 20; tried += 1) {
      expect(
        (await action('pre-login', { identifier: 'pat@example.com' }, { from, authorization: `Bearer wrong-${tried}` }))
          .status,
      ).toBe(401);
    }
    const refused = await action('pre-login', { identifier: 'pat@example.com' }, { from });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await action('pre-login', { identifier: 'pat@example.com' })).status).toBe(200);
  });
});

describe('hostile bodies: a clear 400, nothing changed', () => {
  const cases: Array<[string, 'pre-login' | 'post-append', unknown, Record<string, string>?]> = [
    ['not JSON', 'pre-login', '{"identifier":'],
    ['a JSON array', 'pre-login', '[{"identifier":"pat@example.com"}]'],
    ['identifier not a string', 'pre-login', { identifier: ['pat@example.com'] }],
    ['identifier empty', 'pre-login', { identifier: '' }],
    ['identifier of 321 characters', 'pre-login', { identifier: `${'a'.repeat(309)}@example.com` }],
    ['username missing', 'post-append', { credentialId: 'AQID' }],
    ['username with a control character', 'post-append', { username: 'pat\u0000', credentialId: 'AQID' }],
    ['username of 129 characters', 'post-append', { username: 'u'.repeat(129), credentialId: 'AQID' }],
    ['credentialId not base64url', 'post-append', { username: 'someone', credentialId: 'AQ/D+==' }],
    ['credentialId an object', 'post-append', { username: 'someone', credentialId: { $ne: null } }],
  ];

  it.each(cases)('%s (%s)', async (_name, name, body) => {
    const before = await poolSnapshot(stack.app);
    const response = await action(name, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.any(String) } });
    expect(await poolSnapshot(stack.app)).toBe(before);
  });

  it('refuses a body over 8 KiB with 413, and a non-JSON content type with 415', async () => {
    expect((await action('pre-login', { identifier: 'x'.repeat(9000) })).status).toBe(413);
    expect(
      (
        await action('pre-login', 'identifier=pat@example.com', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(415);
  });
});
