import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_SECRET, startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
import { rawRequest } from '../support/http';
import { CookieJar } from '../support/cookie-jar';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startNextServer, startOnFreePort, type NextServer } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * Every route that spends a call to Corbado's Backend API is limited before that call, per
 * address (and per user for connect tokens), and the counts are shared through Redis: two
 * production instances (`next start`) on one REDIS_URL and one stand-in of Corbado's cloud, as
 * two containers behind a load balancer. Requests come from distinct loopback addresses, which
 * the production server appends to X-Forwarded-For.
 */

let redis: TestRedis;
let stack: ConnectTestStack;
let second: NextServer;
/** Both instances; Origin is always the first one's APP_ORIGIN, which both are configured with. */
let instances: string[];
let lastAddress = 20;
const newClientAddress = () => `127.0.0.${++lastAddress}`;

beforeAll(async () => {
  redis = await startTestRedis();
  stack = await startConnectTestStack({ REDIS_URL: redis.url });
  second = await startOnFreePort((port) =>
    startNextServer(port, {
      ...stack.app.env,
      CORBADO_PROJECT_ID: stack.cloud.projectId,
      CORBADO_API_SECRET: stack.cloud.apiSecret,
      CORBADO_FRONTEND_API: stack.cloud.frontendApi,
      CORBADO_BACKEND_API: stack.cloud.backendApi,
      CORBADO_ACTIONS_SECRET: ACTIONS_SECRET,
      REDIS_URL: redis.url,
    }),
  );
  instances = [stack.app.baseUrl, second.baseUrl];
});
afterAll(async () => {
  await second?.stop();
  await stack?.stop();
  await redis?.stop();
});

/** POST JSON to an instance from the loopback address `from`, with the app's Origin and any cookies. */
function postFrom(baseUrl: string, path: string, body: unknown, from: string, cookie = ''): Promise<Response> {
  return rawRequest(new URL(path, baseUrl).href, {
    from,
    headers: {
      origin: stack.app.baseUrl,
      'content-type': 'application/json',
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
  });
}

const callsTo = (path: string) => stack.cloud.backendCalls().filter((call) => call.path === path).length;

async function expectRateLimited(response: Response, windowSeconds: number) {
  expect(response.status).toBe(429);
  expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A well-formed signedPasskeyData naming a real user, signed by nobody Corbado knows. */
function forgedProof(username: string, n: number): string {
  const claims = { iss: stack.cloud.projectId, webauthnId: username, n, exp: Math.floor(Date.now() / 1000) + 60 };
  return `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.${Buffer.from('forged').toString('base64url')}`;
}

async function usernameOf(email: string): Promise<string> {
  const user = await stack.app.sdk.send(
    new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
  );
  return user.Username!;
}

/** A signed-in user's cookies (a password sign-in from `from`). */
async function signedIn(email: string, from: string): Promise<string> {
  const password = 'Connect-passw0rd';
  await addPasswordUser(stack.app, email, password);
  const response = await postFrom(instances[0]!, '/api/auth/password', { email, password }, from);
  expect(response.status).toBe(200);
  const jar = new CookieJar();
  jar.store(response);
  return jar.header();
}

describe('Connect sign-in: 50 proofs per address in 15 minutes reach Corbado, across both instances', () => {
  it('the 51st forged proof from one address gets 429 on either instance and costs no Backend API call', async () => {
    await addPasswordUser(stack.app, 'forged.target@example.com', 'Connect-passw0rd');
    const victim = await usernameOf('forged.target@example.com');
    const from = newClientAddress();
    const before = callsTo('/v2/passkey/verifySignedData');
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const response = await postFrom(
        instances[attempt % 2]!,
        '/api/corbado/connect/sign-in',
        { signedPasskeyData: forgedProof(victim, attempt) },
        from,
      );
      expect(response.status).toBe(401);
    }
    expect(callsTo('/v2/passkey/verifySignedData')).toBe(before + 50);
    for (const [i, baseUrl] of instances.entries()) {
      const refused = await postFrom(
        baseUrl,
        '/api/corbado/connect/sign-in',
        { signedPasskeyData: forgedProof(victim, 100 + i) },
        from,
      );
      await expectRateLimited(refused, 900);
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
    expect(callsTo('/v2/passkey/verifySignedData')).toBe(before + 50);

    // Another address is not held back by it; a proof that is not even a JWT never reaches Corbado.
    const other = newClientAddress();
    const fromOther = await postFrom(
      instances[1]!,
      '/api/corbado/connect/sign-in',
      { signedPasskeyData: forgedProof(victim, 200) },
      other,
    );
    expect(fromOther.status).toBe(401);
    expect(callsTo('/v2/passkey/verifySignedData')).toBe(before + 51);
    const garbage = await postFrom(instances[0]!, '/api/corbado/connect/sign-in', { signedPasskeyData: 'x' }, other);
    expect(garbage.status).toBe(401);
    expect(callsTo('/v2/passkey/verifySignedData')).toBe(before + 51);
  });
});

describe('Connect tokens: 30 per user and 100 per address in 15 minutes, across both instances', () => {
  const tokenFrom = (i: number, from: string, cookie: string) =>
    postFrom(instances[i % 2]!, '/api/corbado/connect/tokens', { type: 'passkey-list' }, from, cookie);

  it('the 31st token for one user gets 429 on either instance, from any address, with no Backend API call', async () => {
    const cookie = await signedIn('token.hoarder@example.com', newClientAddress());
    const before = callsTo('/v2/connectTokens');
    for (let call = 0; call < 30; call += 1) {
      expect((await tokenFrom(call, newClientAddress(), cookie)).status).toBe(200);
    }
    expect(callsTo('/v2/connectTokens')).toBe(before + 30);
    for (let i = 0; i < 2; i += 1) await expectRateLimited(await tokenFrom(i, newClientAddress(), cookie), 900);
    expect(callsTo('/v2/connectTokens')).toBe(before + 30);

    // Another user is not held back by it.
    const other = await signedIn('token.bystander@example.com', newClientAddress());
    expect((await tokenFrom(0, newClientAddress(), other)).status).toBe(200);
  });

  it('the 101st token from one address (four users) gets 429 with no Backend API call', async () => {
    const from = newClientAddress();
    const users = await Promise.all([1, 2, 3, 4].map((n) => signedIn(`office.${n}@example.com`, newClientAddress())));
    const before = callsTo('/v2/connectTokens');
    for (let call = 0; call < 100; call += 1) {
      expect((await tokenFrom(call, from, users[call % 4]!)).status).toBe(200);
    }
    await expectRateLimited(await tokenFrom(0, from, users[0]!), 900);
    await expectRateLimited(await tokenFrom(1, from, users[1]!), 900);
    expect(callsTo('/v2/connectTokens')).toBe(before + 100);
    // The same users from another address still get tokens.
    expect((await tokenFrom(0, newClientAddress(), users[0]!)).status).toBe(200);
  });
});

describe('the counts really were shared', () => {
  it('neither instance logged a Redis failure', () => {
    for (const output of [stack.app.output(), second.output()]) {
      expect(output).not.toContain('rate_limit_store_unavailable');
    }
  });
});
