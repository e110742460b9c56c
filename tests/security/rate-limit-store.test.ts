import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '@/lib/config';
import { AppError } from '@/lib/errors';
import { enforceRateLimits, giveBackRateLimits, setRateLimitStore, type RateLimitRule } from '@/lib/rate-limit';
import { FallbackRateLimitStore } from '@/lib/rate-limit/fallback';
import { MemoryRateLimitStore } from '@/lib/rate-limit/memory';
import { RedisRateLimitStore } from '@/lib/rate-limit/redis';
import { startTestRedis, type TestRedis } from '../support/redis';

/**
 * The rate limiter's stores against a real redis-server: two store instances stand for two
 * instances of the app sharing one REDIS_URL. What happens when Redis is down or hangs is
 * decided in docs/SECURITY.md (fall back to per-instance counters) and proven here.
 */

let redis: TestRedis;
const stores: RedisRateLimitStore[] = [];

function redisStore(options: { timeoutMs?: number } = {}): RedisRateLimitStore {
  const store = new RedisRateLimitStore(redis.url, options);
  stores.push(store);
  return store;
}

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

let keyCounter = 0;
const freshKey = (label: string) => `${label}:${process.pid}:${(keyCounter += 1)}`;

describe('the Redis store shared by two app instances', () => {
  it('counts hits from both instances in one window that ends at the same moment for both', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const key = freshKey('shared');
    expect((await a.hit(key, 60)).count).toBe(1);
    expect((await b.hit(key, 60)).count).toBe(2);
    const third = await a.hit(key, 60);
    expect(third.count).toBe(3);
    const seenByB = await b.peek(key);
    expect(seenByB?.count).toBe(3);
    expect(Math.abs(seenByB!.resetAt - third.resetAt)).toBeLessThan(100);
    expect(third.resetAt - Date.now()).toBeGreaterThan(58_000);
    expect(third.resetAt - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('counts 200 concurrent hits from two instances exactly once each (atomic INCR and expiry)', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const key = freshKey('concurrent');
    const windows = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).hit(key, 60)));
    const counts = windows.map((window) => window.count).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await a.peek(key))?.count).toBe(200);
  });

  it('starts a new window once the old one has expired', async () => {
    const store = redisStore();
    const key = freshKey('expiry');
    await store.hit(key, 1);
    expect((await store.hit(key, 1)).count).toBe(2);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.peek(key)).toBeNull();
    expect((await store.hit(key, 1)).count).toBe(1);
  });

  it('peek reads a window without counting, and is null for a key never hit', async () => {
    const store = redisStore();
    const key = freshKey('peek');
    expect(await store.peek(key)).toBeNull();
    await store.hit(key, 60);
    await store.peek(key);
    await store.peek(key);
    expect((await store.peek(key))?.count).toBe(1);
  });

  it('gives back a hit without touching the window, never below zero, and not for a key never hit', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const key = freshKey('give-back');
    await a.hit(key, 60);
    const second = await b.hit(key, 60);
    await a.giveBack(key);
    const after = await b.peek(key);
    expect(after?.count).toBe(1);
    expect(Math.abs(after!.resetAt - second.resetAt)).toBeLessThan(100);
    await a.giveBack(key);
    await b.giveBack(key);
    expect((await a.peek(key))?.count).toBe(0);
    expect((await a.hit(key, 60)).count).toBe(1);
    const never = freshKey('never-hit');
    await a.giveBack(never);
    expect(await a.peek(never)).toBeNull();
  });

  it('keeps no email or address in Redis in clear: keys are hashed', async () => {
    const store = redisStore();
    await store.hit('password-failures:email:someone.private@example.com', 60);
    await store.hit('password:address:203.0.113.77', 60);
    const keys = await redis.keys();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.join('\n')).not.toMatch(/example\.com|203\.0\.113|password/);
    for (const key of keys) expect(key).toMatch(/^rate-limit:[A-Za-z0-9_-]{43}$/);
  });
});

describe('the limits over a shared store', () => {
  const rule: RateLimitRule = { name: 'test-failures:email', limit: 10, windowSeconds: 900 };

  afterAll(() => setRateLimitStore(new MemoryRateLimitStore()));

  it('10 failures split across two instances refuse the 11th attempt on both, with a Retry-After within the window', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const check = { rule, key: freshKey('victim@example.com') };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      setRateLimitStore(attempt % 2 ? a : b);
      await enforceRateLimits([check]);
    }
    for (const instance of [a, b]) {
      setRateLimitStore(instance);
      const refused = await enforceRateLimits([check]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe('rate_limited');
      expect((refused as AppError).status).toBe(429);
      expect((refused as AppError).retryAfterSeconds).toBeGreaterThan(880);
      expect((refused as AppError).retryAfterSeconds).toBeLessThanOrEqual(900);
    }
    // The refusing rule keeps the refused attempts; its window is fixed, so no wait grows.
    expect((await a.peek(`${rule.name}:${check.key}`))?.count).toBe(12);
    // Another account keeps its own count.
    await expect(enforceRateLimits([{ rule, key: freshKey('bystander@example.com') }])).resolves.toBeUndefined();
  });

  it('of 100 concurrent attempts from two instances exactly 10 pass: counted before the attempt, atomically', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const key = freshKey('burst@example.com');
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        setRateLimitStore(i % 2 ? a : b);
        return enforceRateLimits([{ rule, key }]).then(
          () => 'passed',
          () => 'refused',
        );
      }),
    );
    expect(outcomes.filter((outcome) => outcome === 'passed')).toHaveLength(10);
    expect((await a.peek(`${rule.name}:${key}`))?.count).toBe(100);
  });

  it('an attempt given back (the right password) frees its place; one refused by a later rule is given back to the earlier ones', async () => {
    const store = redisStore();
    setRateLimitStore(store);
    const perAccount = { rule, key: freshKey('owner@example.com') };
    const tight: RateLimitRule = { name: 'test-tight:address', limit: 1, windowSeconds: 900 };
    const perAddress = { rule: tight, key: freshKey('203.0.113.9') };
    for (let i = 0; i < 25; i += 1) {
      await enforceRateLimits([perAccount]);
      await giveBackRateLimits([perAccount]);
    }
    expect((await store.peek(`${rule.name}:${perAccount.key}`))?.count).toBe(0);
    await enforceRateLimits([perAccount, perAddress]);
    await expect(enforceRateLimits([perAccount, perAddress])).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await store.peek(`${rule.name}:${perAccount.key}`))?.count).toBe(1);
    expect((await store.peek(`${tight.name}:${perAddress.key}`))?.count).toBe(2);
  });

  it('enforceRateLimits lets the limit through across instances and refuses the next one', async () => {
    const [a, b] = [redisStore(), redisStore()];
    const sends: RateLimitRule = { name: 'test-sends:email', limit: 5, windowSeconds: 900 };
    const check = { rule: sends, key: freshKey('sender@example.com') };
    for (let i = 0; i < 5; i += 1) {
      setRateLimitStore(i < 3 ? a : b);
      await enforceRateLimits([check]);
    }
    setRateLimitStore(a);
    await expect(enforceRateLimits([check])).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('the in-memory store (one instance, the default)', () => {
  it('gives back a hit within the window, never below zero, and not for a key never hit', async () => {
    const store = new MemoryRateLimitStore();
    await store.hit('k', 60);
    await store.hit('k', 60);
    await store.giveBack('k');
    expect((await store.peek('k'))?.count).toBe(1);
    await store.giveBack('k');
    await store.giveBack('k');
    expect((await store.peek('k'))?.count).toBe(0);
    await store.giveBack('unknown');
    expect(await store.peek('unknown')).toBeNull();
  });
});

describe('refusals in the log', () => {
  afterAll(() => setRateLimitStore(new MemoryRateLimitStore()));

  it('each refusal is one warn line naming the rule and its limit, never the email or address it counted', async () => {
    const lines = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    setRateLimitStore(new MemoryRateLimitStore());
    const rule: RateLimitRule = { name: 'test-logged:email', limit: 1, windowSeconds: 60 };
    const check = { rule, key: 'logged.person@example.com' };
    await enforceRateLimits([check]);
    expect(lines.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('rate_limited'))).toEqual([]);
    await expect(enforceRateLimits([check])).rejects.toMatchObject({ code: 'rate_limited' });
    const logged = lines.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('rate_limited'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({
      level: 'warn',
      event: 'rate_limited',
      rule: 'test-logged:email',
      limit: 1,
      windowSeconds: 60,
    });
    expect(logged[0]).not.toContain('logged.person');
  });
});

describe('when Redis fails, each instance falls back to its own counters', () => {
  it('while Redis is down the limit still holds per instance, calls answer at once, and one error is logged', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = new FallbackRateLimitStore(redisStore({ timeoutMs: 200 }));
    const key = freshKey('outage');
    expect((await store.hit(key, 60)).count).toBe(1);
    expect(store.degraded).toBe(false);

    await redis.stop();
    try {
      const started = Date.now();
      const counts: number[] = [];
      for (let i = 0; i < 5; i += 1) counts.push((await store.hit(key, 60)).count);
      // The shared count (1) is out of reach: the instance counts on its own from 1.
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(store.degraded).toBe(true);
      expect((await store.peek(key))?.count).toBe(5);
      const logged = errors.mock.calls
        .map(([line]) => String(line))
        .filter((line) => line.includes('rate_limit_store_unavailable'));
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0]!)).toMatchObject({ level: 'error', fallback: 'per-instance counters' });
    } finally {
      await redis.start();
    }

    // Back: after the retry pause the shared store answers again, and another instance sees its counts.
    await new Promise((r) => setTimeout(r, FallbackRateLimitStore.RETRY_AFTER_MS + 500));
    await vi.waitFor(
      async () => {
        await store.hit(key, 60);
        expect(store.degraded).toBe(false);
      },
      { timeout: 10_000, interval: 250 },
    );
    expect((await redisStore().peek(key))?.count).toBeGreaterThanOrEqual(1);
  });

  it('a hung Redis costs at most the command timeout, and replies stay matched to their commands afterwards', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const shared = redisStore({ timeoutMs: 200 });
    const store = new FallbackRateLimitStore(shared);
    const key = freshKey('hung');
    await store.hit(key, 60);

    redis.freeze();
    try {
      const started = Date.now();
      const window = await store.hit(key, 60);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(window.count).toBe(1);
      expect(store.degraded).toBe(true);
    } finally {
      redis.thaw();
    }

    // The timed-out command's late reply must not be taken for another command's answer.
    const other = freshKey('after-hang');
    await vi.waitFor(
      async () => {
        expect((await shared.hit(other, 60)).count).toBeGreaterThanOrEqual(1);
      },
      { timeout: 10_000, interval: 250 },
    );
    const before = (await shared.peek(other))!.count;
    const [x, y] = await Promise.all([shared.hit(other, 60), shared.peek(freshKey('never-hit'))]);
    expect(x.count).toBe(before + 1);
    expect(y).toBeNull();
    expect((await shared.peek(key))?.count).toBeGreaterThanOrEqual(1);
  });
});

describe('REDIS_URL', () => {
  const CANARY = 'Zq7CANARYsecretXy9';
  const env = (redisUrl?: string) => ({
    NODE_ENV: 'production',
    EMBEDDED: '1',
    COGNITO_USER_POOL_ID: 'local_6yXzbPQd',
    COGNITO_CLIENT_ID: 'abcdefghijklmnopqrstuvwxyz',
    COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
    COGNITO_ACCESS_KEY_ID: 'AKIAEMBEDDED0000TEST',
    COGNITO_SECRET_ACCESS_KEY: 'embedded-secret-access-key',
    DYNAMODB_TABLE: 'cognito-passkeys',
    SESSION_SECRET: 'current-session-secret-0123456789abcdef',
    AUTH_CHALLENGE_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    REDIS_URL: redisUrl,
  });

  it('is optional: without it the counters stay in memory', () => {
    expect(parseConfig(env()).redisUrl).toBeNull();
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://default:secret@cache.example.com:6380/2', 'redis://cache.internal'])(
    'accepts %s',
    (value) => {
      expect(parseConfig(env(value)).redisUrl).toBe(value);
    },
  );

  it.each([
    ['not a URL', `${CANARY} not a url`],
    ['another scheme', `http://user:${CANARY}@cache.example.com:6379`],
    ['no host', `redis:/${CANARY}`],
    ['a path that is not a database number', `redis://user:${CANARY}@cache.example.com/${CANARY}`],
  ])('refuses %s with a ConfigError naming REDIS_URL, never echoing the value', (_name, value) => {
    let error: unknown;
    try {
      parseConfig(env(value));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('REDIS_URL');
    expect((error as ConfigError).message).toMatch(/^REDIS_URL /);
    expect((error as ConfigError).message).not.toContain(CANARY);
  });
});
