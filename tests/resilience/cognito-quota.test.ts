import { AsyncLocalStorage } from 'node:async_hooks';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { callApi } from '../../lib/client/api';
import { MemoryQuotaBudget, retryAfterSeconds, RETRY_AFTER_JITTER_MS } from '../../lib/cognito/quota';
import { RedisQuotaBudget } from '../../lib/cognito/quota-redis';
import { startTestRedis, type TestRedis } from '../support/redis';
import {
  startNextServer,
  startOnFreePort,
  startTestCognito,
  type NextServer,
  type TestCognito,
} from '../support/stack';
import { addPasswordUser } from '../support/users';
import { clientAddressFactory, rawRequest } from '../support/http';

/**
 * Cognito traffic shaping (lib/cognito/quota.ts) against the embedded Cognito's rate fault
 * (faults.limitRates: TooManyRequestsException over N requests/s per category, as Cognito
 * answers), with two production servers sharing one real Redis, as two instances behind a load
 * balancer share the account's quota. The app's budget and the emulator's quota are both
 * 10 sign-in calls per second here, so a burst of a few seconds' worth is quick to run.
 */

const RATE = 10;
const MAX_WAIT_MS = 3_500;
let stack: TestCognito;
let redis: TestRedis;
let a: NextServer;
let b: NextServer;
const PASSWORD = 'Quota-passw0rd';
const users: string[] = [];
const nextAddress = clientAddressFactory(41);

beforeAll(async () => {
  [stack, redis] = await Promise.all([startTestCognito(), startTestRedis()]);
  const shaping = {
    REDIS_URL: redis.url,
    COGNITO_QUOTA_USER_AUTHENTICATION: String(RATE),
    COGNITO_QUOTA_MAX_WAIT_MS: String(MAX_WAIT_MS),
  };
  const instance = () =>
    startOnFreePort((port) =>
      startNextServer(port, { ...stack.env, ...shaping, APP_ORIGIN: `http://localhost:${port}` }),
    );
  [a, b] = await Promise.all([instance(), instance()]);
  for (let i = 0; i < 90; i += 1) users.push(`quota-${i}@example.com`);
  for (const email of users) await addPasswordUser(stack, email, PASSWORD);
});
afterEach(() => stack.cognito.faults.clear());

/** Requests the emulator's rate fault refused in all, since it started. */
const throttledSoFar = () => Object.values(stack.cognito.faults.throttled).reduce((sum, n) => sum + n, 0);
afterAll(async () => {
  if (process.env.DEBUG_APP_OUTPUT) console.log(a?.output(), b?.output());
  await Promise.all([a?.stop(), b?.stop()]);
  await stack?.stop();
  await redis?.stop();
});

/** One password sign-in as a browser on `instance` at a client address of its own. */
function passwordSignIn(instance: NextServer, email: string): Promise<Response> {
  return rawRequest(`${instance.baseUrl}/api/auth/password`, {
    from: nextAddress(),
    headers: { 'content-type': 'application/json', origin: instance.baseUrl },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
}

describe('the embedded Cognito’s rate fault', () => {
  it('answers 400 TooManyRequestsException over N requests/s of a category, as Cognito does (the control)', async () => {
    stack.cognito.faults.limitRates({ UserAuthentication: RATE });
    const startedAt = Date.now();
    const attempts = await Promise.all(
      Array.from({ length: 3 * RATE }, () =>
        stack.sdk
          .send(
            new InitiateAuthCommand({
              ClientId: stack.cognito.clientId,
              AuthFlow: 'USER_PASSWORD_AUTH',
              AuthParameters: { USERNAME: 'nobody', PASSWORD },
            }),
          )
          .then(
            () => 'answered',
            (error: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
              `${error.$metadata?.httpStatusCode} ${error.name}`,
          ),
      ),
    );
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const throttled = attempts.filter((outcome) => outcome === '400 TooManyRequestsException').length;
    // The bucket holds one second's worth and refills at the rate: at most RATE + RATE/s reach Cognito's own answer.
    expect(attempts.length - throttled).toBeLessThanOrEqual(RATE + Math.ceil(RATE * elapsedSeconds));
    expect(throttled).toBeGreaterThan(0);
    expect(stack.cognito.faults.throttled.InitiateAuth).toBe(throttled);
  });
});

describe('a burst of sign-ins on two instances sharing Redis', () => {
  it('waits its turn in the shared budget instead of failing: every sign-in succeeds, Cognito throttles none', async () => {
    stack.cognito.faults.limitRates({ UserAuthentication: RATE });
    const throttledBefore = throttledSoFar();
    // 3 s worth of sign-ins at once, half on each instance: each alone would budget the full
    // rate, so without the shared queue the two together would send twice the quota (15 in
    // 1.5 s each: 30 where the emulator's bucket allows 10 + 15).
    const burst = users.slice(0, 30);
    const answers = await Promise.all(burst.map((email, i) => passwordSignIn(i % 2 ? b : a, email)));
    expect(answers.map((answer) => answer.status)).toEqual(burst.map(() => 200));
    expect(throttledSoFar() - throttledBefore).toBe(0);
  });

  it('past the wait bound: a retryable 503 whose Retry-After comes from the queue, spread; the client retries on its own and every sign-in completes', async () => {
    stack.cognito.faults.limitRates({ UserAuthentication: RATE });
    const throttledBefore = throttledSoFar();
    const realFetch = globalThis.fetch;
    const browser = new AsyncLocalStorage<{ address: string; origin: string }>();
    const refusals: { retryAfter: number; body: unknown }[] = [];
    // callApi's fetch, as each simulated browser's own: its client address, its page's origin.
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const { address, origin } = browser.getStore()!;
      const response = await rawRequest(url, {
        from: address,
        headers: { 'content-type': 'application/json', origin },
        body: init.body as string,
      });
      if (response.status === 503) {
        refusals.push({ retryAfter: Number(response.headers.get('retry-after')), body: await response.clone().json() });
      }
      return response;
    });
    try {
      // 6 s worth at once: 3.5 s of it can wait in the queue, the rest is told when to come back.
      const burst = users.slice(30, 90);
      const results = await Promise.all(
        burst.map((email, i) => {
          const instance = i % 2 ? b : a;
          return browser.run({ address: nextAddress(), origin: instance.baseUrl }, () =>
            callApi(`${instance.baseUrl}/api/auth/password`, { body: { email, password: PASSWORD } }),
          );
        }),
      );
      expect(results.filter((result) => !result.ok)).toEqual([]);
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal.body).toEqual({
          error: { code: 'upstream_unavailable', message: expect.any(String) },
          retry: true,
        });
        expect(refusal.retryAfter).toBeGreaterThanOrEqual(1);
      }
      // Appointments one slot apart, plus jitter: the refused clients are not all told the same
      // second. How many are refused depends on how fast the burst arrives (the machine's load);
      // from 10 on, one second for all is out of reach (retryAfterSeconds is tested below).
      if (refusals.length >= 10) expect(new Set(refusals.map((refusal) => refusal.retryAfter)).size).toBeGreaterThan(1);
      expect(throttledSoFar() - throttledBefore).toBe(0);
    } finally {
      vi.stubGlobal('fetch', realFetch);
    }
  });
});

describe('the budget itself', () => {
  it('is one queue for every instance: two connections to one Redis hand out distinct slots, then appointments', async () => {
    const [first, second] = [
      new RedisQuotaBudget(redis.url, new MemoryQuotaBudget()),
      new RedisQuotaBudget(redis.url, new MemoryQuotaBudget()),
    ];
    try {
      // UserRead: untouched by the sign-ins above. 20/s: slots 50 ms apart; 500 ms of waiting allowed.
      const reservations = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? second : first).reserve('UserRead', 20, 500)),
      );
      const granted = reservations.filter((r) => r.granted).map((r) => (r.granted ? r.waitMs : -1));
      const appointments = reservations.filter((r) => !r.granted).map((r) => (r.granted ? -1 : r.appointmentMs));
      // 0, 50, ... 500 ms: 11 slots (slack for the calls' own spread in time on a busy machine).
      expect(granted.length).toBeGreaterThanOrEqual(10);
      expect(granted.length).toBeLessThanOrEqual(14);
      const sortedSlots = [...granted].sort((x, y) => x - y);
      for (let i = 1; i < sortedSlots.length; i += 1) expect(sortedSlots[i]! - sortedSlots[i - 1]!).toBeGreaterThan(40);
      const sortedAppointments = [...appointments].sort((x, y) => x - y);
      expect(sortedAppointments[0]).toBeGreaterThan(500);
      for (let i = 1; i < sortedAppointments.length; i += 1)
        expect(sortedAppointments[i]! - sortedAppointments[i - 1]!).toBeGreaterThan(40);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('falls back to a per-process queue while Redis is down, and shares again once it is back', async () => {
    const budget = new RedisQuotaBudget(redis.url, new MemoryQuotaBudget());
    try {
      await redis.stop();
      expect(await budget.reserve('UserList', 30, 1_000)).toEqual({ granted: true, waitMs: 0 });
      await redis.start();
      const shared = async () => (await redis.keys()).some((key) => key.startsWith('cognito-quota:UserList'));
      // The client reconnects on its own (backing off up to 2 s); the budget retries Redis after 1 s.
      for (const deadline = Date.now() + 10_000; !(await shared()) && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await budget.reserve('UserList', 30, 1_000);
      }
      expect(await shared()).toBe(true);
    } finally {
      await budget.close();
    }
  });

  it('computes Retry-After from the appointment, at least 1 s, with up to a second of jitter', () => {
    // The client may come back half the wait bound early: it can wait that long in the queue.
    expect(retryAfterSeconds(10_000, 4_000, () => 0)).toBe(8);
    expect(retryAfterSeconds(10_000, 4_000, () => 0.999)).toBe(9);
    expect(retryAfterSeconds(0, 4_000, () => 0)).toBe(1);
    const spread = new Set(Array.from({ length: 200 }, () => retryAfterSeconds(10_500, 4_000)));
    expect(spread).toEqual(new Set([9, 10]));
    expect(RETRY_AFTER_JITTER_MS).toBe(1_000);
  });
});
