import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../../lib/store/dynamodb';
import { createSqliteStore } from '../../lib/store/sqlite';
import { DYNALITE_CREDENTIALS } from '../support/dynalite';
import { startTestRedis, type TestRedis } from '../support/redis';
import { freePort, startTestApp, type TestApp } from '../support/stack';

/**
 * Liveness apart from readiness: /api/health/live only says the process serves; /api/health
 * probes Cognito, the passkey store (a real write and read) and Redis, and is not ready (503)
 * only without what the instance cannot serve without (Cognito, the store): Redis down is
 * degraded, a 200, so a load balancer does not pull every instance at once. A read-only store is
 * made with `chattr +i` (immutable even for root, as the tests run here), the closest thing to
 * Vercel's read-only file system a test can make.
 */

let app: TestApp;
let redis: TestRedis;
const scratch = mkdtempSync(path.join(tmpdir(), 'health-'));
const immutable: string[] = [];

function makeImmutable(...paths: string[]): void {
  for (const file of paths.filter((p) => existsSync(p))) {
    execFileSync('chattr', ['+i', file]);
    immutable.push(file);
  }
}
function makeWritable(): void {
  for (const file of immutable.splice(0)) execFileSync('chattr', ['-i', file]);
}

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({ REDIS_URL: redis.url });
});
afterAll(async () => {
  makeWritable();
  await app?.stop();
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const get = (route: string) => fetch(`${app.baseUrl}${route}`);

describe('readiness and liveness', () => {
  it('ready: Cognito, the SQLite store and Redis all answer', async () => {
    const response = await get('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      cognito: { reachable: true },
      store: { reachable: true, backend: 'sqlite' },
      redis: { reachable: true },
    });
    expect(await (await get('/api/health/live')).json()).toEqual({ status: 'live' });
  });

  it('a store that can no longer write is not ready; the process stays live', async () => {
    const db = path.join(app.dataDir, 'passkeys.sqlite');
    makeImmutable(db, `${db}-wal`, `${db}-shm`);
    try {
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
    } finally {
      makeWritable();
    }
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
  it('SQLite in a read-only folder cannot even open its file: the probe fails', async () => {
    const folder = mkdtempSync(path.join(scratch, 'read-only-'));
    makeImmutable(folder);
    try {
      await expect(createSqliteStore(path.join(folder, 'passkeys.sqlite')).probe()).rejects.toThrow();
    } finally {
      makeWritable();
    }
  });

  it('DynamoDB that does not answer: the probe fails (as a 503 for the user)', async () => {
    // Credentials present, so what fails is the connection, not the SDK's search for credentials.
    Object.assign(process.env, DYNALITE_CREDENTIALS);
    const store = createDynamoDbStore({
      table: 'passkeys',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await freePort()}`,
    });
    await expect(store.probe()).rejects.toThrow(/upstream_unavailable/);
  });
});
