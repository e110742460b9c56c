import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../../lib/store/dynamodb';
import { DYNALITE_CREDENTIALS } from '../support/dynalite';
import { startTestRedis, type TestRedis } from '../support/redis';
import { closedPort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/stack';

/**
 * Liveness apart from readiness: /api/health/live only says the process serves; /api/health
 * probes Cognito, the passkey store (a real write and read, on the test's DynamoDB) and Redis, and
 * is not ready (503) only without what the instance cannot serve without (Cognito, the store):
 * Redis down is degraded, a 200, so a load balancer does not pull every instance at once.
 */

let app: TestApp;
let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

const get = (route: string) => fetch(`${app.baseUrl}${route}`);

describe('readiness and liveness', () => {
  it('ready: Cognito, the DynamoDB store and Redis all answer', async () => {
    const response = await get('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      cognito: { reachable: true },
      store: { reachable: true, backend: 'dynamodb' },
      redis: { reachable: true },
    });
    expect(await (await get('/api/health/live')).json()).toEqual({ status: 'live' });
  });

  it('a store that fails is not ready; the process stays live', async () => {
    await app.dynamo.whileFailing(async () => {
      const response = await get('/api/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        status: 'degraded',
        ready: false,
        degraded: ['store'],
        cognito: { reachable: true },
        store: { reachable: false },
      });
      expect((await get('/api/health/live')).status).toBe(200);
    });
    expect((await get('/api/health')).status).toBe(200);
  });

  it('Redis down is degraded but still ready (200): limits fall back to per-instance counters; back, ok again', async () => {
    await redis.stop();
    try {
      const response = await get('/api/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'degraded',
        ready: true,
        degraded: ['redis'],
        cognito: { reachable: true },
        store: { reachable: true },
        redis: { reachable: false },
      });
      // And sign-in still works meanwhile: the readiness answer tells the truth.
      expect((await get('/api/health/live')).status).toBe(200);
    } finally {
      await redis.start();
    }
    const back = await get('/api/health');
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ status: 'ok', ready: true, degraded: [] });
  });
});

describe('store probes', () => {
  it('DynamoDB that does not answer: the probe fails (as a 503 for the user)', async () => {
    // Credentials present, so what fails is the connection, not the SDK's search for credentials.
    Object.assign(process.env, DYNALITE_CREDENTIALS);
    const store = createDynamoDbStore({
      table: 'passkeys',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
    });
    await expect(store.probe()).rejects.toThrow(/upstream_unavailable/);
  });
});
