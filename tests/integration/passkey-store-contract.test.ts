import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../embedded-cognito/dynamodb';
import type { PasskeyDetails, PasskeyStore, StoredPasskey } from '../../lib/store/passkey-store';
import { challengeKeyPair } from '../support/stack';

/**
 * The store contract (lib/store/passkey-store.ts) against DynamoDB through dynalite (in-process,
 * the table made from the app's own definition), twice: in memory, as the tests run it, and on
 * LevelDB files under DATA_DIR, as the embedded default runs it. Races run as concurrent calls
 * on one store: DynamoDB answers them as concurrent requests decided by conditional writes.
 * The last cases go through the app's modules (ceremony.ts, codes.ts), since expiry is the app's
 * own check and a backend may keep expired entries (DynamoDB's TTL is late).
 */

type Backend = 'in memory' | 'on disk';
const dynamos: EmbeddedDynamoDb[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'passkey-store-contract-'));
const baseEnv: Record<string, string> = {
  NODE_ENV: 'test',
  COGNITO_USER_POOL_ID: 'local_contract',
  COGNITO_CLIENT_ID: 'contractclient',
  SESSION_SECRET: randomBytes(32).toString('base64url'),
  AUTH_CHALLENGE_PRIVATE_KEY: challengeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  APP_ORIGIN: 'http://localhost:3000',
};

afterAll(async () => {
  await Promise.all(dynamos.map((dynamo) => dynamo.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/** The app's modules, freshly loaded on the environment of one backend. */
async function appOn(backend: Backend) {
  vi.resetModules();
  const dataDir = mkdtempSync(path.join(scratch, `${backend.replace(' ', '-')}-`));
  const dynamo = await startEmbeddedDynamoDb(backend === 'on disk' ? { dataDir } : {});
  dynamos.push(dynamo);
  const env = { ...baseEnv, DATA_DIR: dataDir, ...dynamo.variables };
  for (const key of ['DYNAMODB_TABLE', 'DYNAMODB_ENDPOINT']) delete process.env[key];
  Object.assign(process.env, env);
  return {
    store: (await import('../../lib/store')).passkeyStore(),
    ceremony: await import('../../lib/layers/self-hosted/ceremony'),
    codes: await import('../../lib/email/codes'),
    rateLimit: await import('../../lib/rate-limit'),
    memoryRateLimits: await import('../../lib/rate-limit/memory'),
    dataDir: env.DATA_DIR,
  };
}

const unique = () => randomBytes(9).toString('base64url');
const hex = () => randomBytes(32).toString('hex');
const HOUR = 3_600_000;

function passkey(overrides: Partial<StoredPasskey> = {}): StoredPasskey {
  return {
    id: unique(),
    userSub: `sub-${unique()}`,
    email: `${unique()}@example.com`,
    publicKey: new Uint8Array(randomBytes(77)),
    counter: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
    name: 'Laptop',
    createdAt: Date.now(),
    lastUsedAt: null,
    ...overrides,
  };
}

describe.each(['in memory', 'on disk'] as const)('the DynamoDB store on dynalite %s', (backend) => {
  let store: PasskeyStore;
  let app: Awaited<ReturnType<typeof appOn>>;
  beforeAll(async () => {
    app = await appOn(backend);
    store = app.store;
  });

  describe('ceremony challenges', () => {
    const challengeFor = (browserHash = hex()) => ({
      browserHash,
      purpose: 'authenticate' as const,
      challenge: unique(),
      userSub: null,
      expiresAt: Date.now() + HOUR,
    });

    it('is taken once, by the browser it was given to, for its purpose', async () => {
      const saved = { ...challengeFor(), purpose: 'register' as const, userSub: 'sub-1' };
      await store.saveChallenge(saved);
      expect(await store.takeChallenge(hex(), 'register', saved.challenge)).toBeNull();
      expect(await store.takeChallenge(saved.browserHash, 'authenticate', saved.challenge)).toBeNull();
      expect(await store.takeChallenge(saved.browserHash, 'register', unique())).toBeNull();
      expect(await store.takeChallenge(saved.browserHash, 'register', saved.challenge)).toEqual(saved);
      expect(await store.takeChallenge(saved.browserHash, 'register', saved.challenge)).toBeNull();
    });

    it('8 parallel takes of one challenge: exactly one wins', async () => {
      const saved = challengeFor();
      await store.saveChallenge(saved);
      const takes = await Promise.all(
        Array.from({ length: 8 }, () => store.takeChallenge(saved.browserHash, 'authenticate', saved.challenge)),
      );
      expect(takes.filter(Boolean)).toEqual([saved]);
    });

    it('an expired challenge comes back with its expiry, for the caller to refuse', async () => {
      const saved = { ...challengeFor(), expiresAt: Date.now() - 1 };
      await store.saveChallenge(saved);
      expect((await store.takeChallenge(saved.browserHash, 'authenticate', saved.challenge))?.expiresAt).toBe(
        saved.expiresAt,
      );
    });

    it('a challenge of any length the browser claims is just unknown', async () => {
      expect(await store.takeChallenge(hex(), 'authenticate', 'x'.repeat(4096))).toBeNull();
    });
  });

  describe('credentials', () => {
    it('are saved once per credential id, found, and listed per user oldest first, key material intact', async () => {
      const first = passkey({ createdAt: 1_000 });
      const second = passkey({ userSub: first.userSub, email: first.email, createdAt: 2_000, transports: [] });
      const someoneElses = passkey();
      expect(await store.insertPasskey(second)).toBe(true);
      expect(await store.insertPasskey(first)).toBe(true);
      expect(await store.insertPasskey(someoneElses)).toBe(true);
      expect(await store.insertPasskey({ ...first, userSub: 'sub-attacker' })).toBe(false);
      expect(await store.findPasskey(first.id)).toEqual(first);
      expect(await store.findPasskey(unique())).toBeNull();
      expect(await store.listPasskeys(first.userSub)).toEqual([first, second]);
      expect(await store.listPasskeys('sub-nobody')).toEqual([]);
    });

    it('keep the AAGUID the registration named, and read none back where the browser hid it', async () => {
      const named = passkey();
      const hidden = passkey({ aaguid: null });
      await store.insertPasskey(named);
      await store.insertPasskey(hidden);
      expect((await store.findPasskey(named.id))?.aaguid).toBe('fbfc3007-154e-4ecc-8c0b-6e020557d7bd');
      expect((await store.findPasskey(hidden.id))?.aaguid).toBeNull();
    });

    it('are renamed and deleted by their owner only; a deleted one is gone from find and list at once', async () => {
      const mine = passkey();
      await store.insertPasskey(mine);
      expect(await store.renamePasskey('sub-attacker', mine.id, 'Taken')).toBe(false);
      expect(await store.deletePasskey('sub-attacker', mine.id)).toBe(false);
      expect(await store.renamePasskey(mine.userSub, unique(), 'Nothing')).toBe(false);
      expect(await store.renamePasskey(mine.userSub, mine.id, 'Phone')).toBe(true);
      expect((await store.findPasskey(mine.id))?.name).toBe('Phone');
      expect(await store.deletePasskey(mine.userSub, mine.id)).toBe(true);
      expect(await store.deletePasskey(mine.userSub, mine.id)).toBe(false);
      expect(await store.findPasskey(mine.id)).toBeNull();
      expect(await store.listPasskeys(mine.userSub)).toEqual([]);
      expect(await store.renamePasskey(mine.userSub, mine.id, 'Back')).toBe(false);
    });

    it('the signature counter only moves forward, and of parallel uses with one counter exactly one counts', async () => {
      const counted = passkey({ counter: 5 });
      await store.insertPasskey(counted);
      expect(await store.recordPasskeyUse(counted.id, 5, 1)).toBe(false);
      expect(await store.recordPasskeyUse(counted.id, 4, 1)).toBe(false);
      expect(await store.recordPasskeyUse(counted.id, 6, 42)).toBe(true);
      expect(await store.findPasskey(counted.id)).toMatchObject({ counter: 6, lastUsedAt: 42 });
      const uses = await Promise.all(Array.from({ length: 8 }, () => store.recordPasskeyUse(counted.id, 7, 43)));
      expect(uses.filter(Boolean)).toHaveLength(1);
      expect(await store.recordPasskeyUse(unique(), 100, 1)).toBe(false);
    });

    it('an authenticator that keeps no counter (0) signs in again and again, and cannot go back to 0 once it counted', async () => {
      const uncounted = passkey({ counter: 0 });
      await store.insertPasskey(uncounted);
      expect(await store.recordPasskeyUse(uncounted.id, 0, 1)).toBe(true);
      expect(await store.recordPasskeyUse(uncounted.id, 0, 2)).toBe(true);
      expect(await store.recordPasskeyUse(uncounted.id, 3, 3)).toBe(true);
      expect(await store.recordPasskeyUse(uncounted.id, 0, 4)).toBe(false);
    });
  });

  describe('details of Cognito passkeys', () => {
    const details = (overrides: Partial<PasskeyDetails> = {}): PasskeyDetails => ({
      credentialId: unique(),
      userSub: `sub-${unique()}`,
      aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
      name: 'Google Password Manager',
      createdAt: Date.now(),
      lastUsedAt: null,
      ...overrides,
    });

    it('are saved per credential id and found for their owner only', async () => {
      const mine = details();
      const second = details({ userSub: mine.userSub, aaguid: null, name: null, createdAt: null });
      expect(await store.savePasskeyDetails(mine)).toBe(true);
      expect(await store.savePasskeyDetails(second)).toBe(true);
      expect(await store.savePasskeyDetails({ ...mine, userSub: 'sub-attacker', name: 'Taken' })).toBe(false);
      const found = await store.findPasskeyDetails(mine.userSub, [mine.credentialId, second.credentialId, unique()]);
      expect(found).toEqual(
        new Map([
          [mine.credentialId, mine],
          [second.credentialId, second],
        ]),
      );
      expect(await store.findPasskeyDetails('sub-attacker', [mine.credentialId])).toEqual(new Map());
      expect(await store.findPasskeyDetails(mine.userSub, [])).toEqual(new Map());
    });

    it('never appear among the self-hosted passkeys of their owner', async () => {
      const mine = details();
      await store.savePasskeyDetails(mine);
      expect(await store.findPasskey(mine.credentialId)).toBeNull();
      expect(await store.listPasskeys(mine.userSub)).toEqual([]);
    });

    it('record the last use and a new name for the owner, made when missing, never for another user', async () => {
      const mine = details();
      await store.savePasskeyDetails(mine);
      expect(await store.recordPasskeyDetailsUse(mine.userSub, mine.credentialId, 42)).toBe(true);
      expect(await store.recordPasskeyDetailsUse('sub-attacker', mine.credentialId, 43)).toBe(false);
      expect(await store.renamePasskeyDetails('sub-attacker', mine.credentialId, 'Taken')).toBe(false);
      expect(await store.renamePasskeyDetails(mine.userSub, mine.credentialId, 'Laptop')).toBe(true);
      expect((await store.findPasskeyDetails(mine.userSub, [mine.credentialId])).get(mine.credentialId)).toEqual({
        ...mine,
        name: 'Laptop',
        lastUsedAt: 42,
      });
      // A passkey registered elsewhere (Amplify, the AWS CLI): its details begin with its first use here.
      const elsewhere = unique();
      expect(await store.recordPasskeyDetailsUse(mine.userSub, elsewhere, 7)).toBe(true);
      expect((await store.findPasskeyDetails(mine.userSub, [elsewhere])).get(elsewhere)).toEqual({
        credentialId: elsewhere,
        userSub: mine.userSub,
        aaguid: null,
        name: null,
        createdAt: null,
        lastUsedAt: 7,
      });
    });

    it('are deleted by their owner only', async () => {
      const mine = details();
      await store.savePasskeyDetails(mine);
      expect(await store.deletePasskeyDetails('sub-attacker', mine.credentialId)).toBe(false);
      expect(await store.deletePasskeyDetails(mine.userSub, mine.credentialId)).toBe(true);
      expect(await store.deletePasskeyDetails(mine.userSub, mine.credentialId)).toBe(false);
      expect(await store.findPasskeyDetails(mine.userSub, [mine.credentialId])).toEqual(new Map());
    });
  });

  describe('email codes', () => {
    const MAX = 5;
    /** Whether the try used the code; the cases below check what a refused try reports. */
    const tryCode = async (...args: Parameters<PasskeyStore['tryEmailCode']>) =>
      (await store.tryEmailCode(...args)).result === 'right';
    const fresh = async () => {
      const email = `${unique()}@example.com`;
      const hash = hex();
      await store.storeEmailCode(email, hash, Date.now() + HOUR);
      return { email, hash };
    };

    it('the right code is used once; a wrong one costs a try; the code is gone after its last try', async () => {
      const { email, hash } = await fresh();
      expect(await tryCode(email, [hex()], MAX, Date.now())).toBe(false);
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(true);
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(false);
      const other = await fresh();
      for (let i = 0; i < MAX; i++) expect(await tryCode(other.email, [hex()], MAX, Date.now())).toBe(false);
      expect(await tryCode(other.email, [other.hash], MAX, Date.now())).toBe(false);
      expect(await tryCode(`${unique()}@example.com`, [hash], MAX, Date.now())).toBe(false);
    });

    it.each([
      [10, 11, true],
      [10, 10, false],
    ])(
      '%i parallel wrong tries are all counted (with %i tries allowed the right code then works: %s)',
      async (tries, allowed, works) => {
        const { email, hash } = await fresh();
        const results = await Promise.all(
          Array.from({ length: tries }, () => tryCode(email, [hex()], allowed, Date.now())),
        );
        expect(results.every((right) => !right)).toBe(true);
        expect(await tryCode(email, [hash], allowed, Date.now())).toBe(works);
      },
    );

    it('10 parallel tries with the right code: exactly one uses it', async () => {
      const { email, hash } = await fresh();
      const results = await Promise.all(Array.from({ length: 10 }, () => tryCode(email, [hash], 20, Date.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('past its expiry the right code is refused and removed (given the time the app reads)', async () => {
      const { email, hash } = await fresh();
      expect(await tryCode(email, [hash], MAX, Date.now() + 2 * HOUR)).toBe(false);
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(false);
    });

    it('a newer send replaces the code; an older one does not replace a newer', async () => {
      const email = `${unique()}@example.com`;
      const [older, newer] = [hex(), hex()];
      await store.storeEmailCode(email, newer, Date.now() + HOUR + 1_000);
      await store.storeEmailCode(email, older, Date.now() + HOUR);
      expect(await tryCode(email, [older], MAX, Date.now())).toBe(false);
      expect(await tryCode(email, [newer], MAX, Date.now())).toBe(true);
    });

    it('the code a newer send replaced reads "replaced" (a try), not "wrong"; the newest still works', async () => {
      const { email, hash: replaced } = await fresh();
      const newest = hex();
      await store.storeEmailCode(email, newest, Date.now() + HOUR + 1_000);
      expect(await store.tryEmailCode(email, [hex(), replaced], MAX, Date.now())).toEqual({
        result: 'replaced',
        triesLeft: MAX - 1,
      });
      expect(await store.tryEmailCode(email, [hex()], MAX, Date.now())).toEqual({
        result: 'wrong',
        triesLeft: MAX - 2,
      });
      expect(await tryCode(email, [newest], MAX, Date.now())).toBe(true);
      // A first code replaced nothing.
      const first = await fresh();
      expect(await store.tryEmailCode(first.email, [hex()], MAX, Date.now())).toEqual({
        result: 'wrong',
        triesLeft: MAX - 1,
      });
    });

    it('given back after our failure with its try; finished, it is gone and cannot be given back', async () => {
      const { email, hash } = await fresh();
      for (let i = 0; i < MAX - 1; i++) await tryCode(email, [hex()], MAX, Date.now());
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(true);
      await store.restoreEmailCode(email, [hash], Date.now());
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(true);
      await store.finishEmailCode(email, [hash]);
      await store.restoreEmailCode(email, [hash], Date.now());
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(false);
    });

    it('matches any of several hashes (the code keyed with each accepted secret), each list one try', async () => {
      const { email, hash } = await fresh();
      for (let i = 0; i < MAX - 1; i++)
        expect(await tryCode(email, [hex(), hex(), hex()], MAX, Date.now())).toBe(false);
      expect(await tryCode(email, [hex(), hash], MAX, Date.now())).toBe(true);
      await store.restoreEmailCode(email, [hex(), hash], Date.now());
      expect(await tryCode(email, [hash, hex()], MAX, Date.now())).toBe(true);
      await store.finishEmailCode(email, [hex(), hash]);
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(false);
    });

    it('never gives back a code replaced meanwhile, nor one past its expiry, nor finishes the successor', async () => {
      const { email, hash } = await fresh();
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(true);
      const successor = hex();
      await store.storeEmailCode(email, successor, Date.now() + HOUR + 1_000);
      await store.restoreEmailCode(email, [hash], Date.now());
      await store.finishEmailCode(email, [hash]);
      expect(await tryCode(email, [hash], MAX, Date.now())).toBe(false);
      expect(await tryCode(email, [successor], MAX, Date.now())).toBe(true);
      await store.restoreEmailCode(email, [successor], Date.now() + 2 * HOUR);
      expect(await tryCode(email, [successor], MAX, Date.now())).toBe(false);
    });

    it('a refused try says what it found: tries left, expired, used up, or no code', async () => {
      const { email, hash } = await fresh();
      expect(await store.tryEmailCode(email, [hex()], MAX, Date.now())).toEqual({
        result: 'wrong',
        triesLeft: MAX - 1,
      });
      for (let left = MAX - 2; left > 0; left--) {
        expect(await store.tryEmailCode(email, [hex()], MAX, Date.now())).toEqual({ result: 'wrong', triesLeft: left });
      }
      expect(await store.tryEmailCode(email, [hash], MAX - 1, Date.now())).toEqual({ result: 'used_up' });
      expect(await store.tryEmailCode(email, [hash], MAX, Date.now())).toEqual({ result: 'none' });

      const last = await fresh();
      for (let i = 0; i < MAX - 1; i++) await store.tryEmailCode(last.email, [hex()], MAX, Date.now());
      expect(await store.tryEmailCode(last.email, [hex()], MAX, Date.now())).toEqual({ result: 'used_up' });

      const late = await fresh();
      expect(await store.tryEmailCode(late.email, [late.hash], MAX, Date.now() + 2 * HOUR)).toEqual({
        result: 'expired',
      });
      expect(await store.tryEmailCode(`${unique()}@example.com`, [hex()], MAX, Date.now())).toEqual({ result: 'none' });
      const used = await fresh();
      expect(await store.tryEmailCode(used.email, [used.hash], MAX, Date.now())).toEqual({ result: 'right' });
      expect(await store.tryEmailCode(used.email, [used.hash], MAX, Date.now())).toEqual({ result: 'none' });
    });
  });

  it('answers a readiness probe (a read and a write)', async () => {
    await expect(store.probe()).resolves.toBeUndefined();
  });

  describe('through the app: expiry is the app’s own check', () => {
    const cookieJar = (value?: string) => ({
      get: (name: string) => (value && name.endsWith('ceremony') ? { name, value } : undefined),
    });

    it('a ceremony challenge past its 5 minutes is refused, and used up', async () => {
      const cookie = await app.ceremony.rememberChallenge(cookieJar(), 'authenticate', 'a-challenge-for-expiry', null);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + app.ceremony.CEREMONY_SECONDS * 1000 + 1_000 });
      try {
        expect(
          await app.ceremony.takeChallenge(cookieJar(cookie.value), 'authenticate', 'a-challenge-for-expiry'),
        ).toBeNull();
      } finally {
        vi.useRealTimers();
      }
      expect(
        await app.ceremony.takeChallenge(cookieJar(cookie.value), 'authenticate', 'a-challenge-for-expiry'),
      ).toBeNull();
    });

    it('a ceremony challenge in time is taken once', async () => {
      const cookie = await app.ceremony.rememberChallenge(cookieJar(), 'register', 'a-challenge-in-time', 'sub-9');
      expect(await app.ceremony.takeChallenge(cookieJar(cookie.value), 'register', 'a-challenge-in-time')).toEqual({
        challenge: 'a-challenge-in-time',
        userSub: 'sub-9',
      });
      expect(await app.ceremony.takeChallenge(cookieJar(cookie.value), 'register', 'a-challenge-in-time')).toBeNull();
    });

    it('an email code past its 10 minutes is refused', async () => {
      app.rateLimit.setRateLimitStore(new app.memoryRateLimits.MemoryRateLimitStore());
      const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const email = `${unique()}@example.com`;
      await app.codes.sendEmailCode(email, '192.0.2.7');
      spy.mockRestore();
      const { latestCodeFor } = await import('../support/http');
      const code = latestCodeFor(app.dataDir, email);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + app.codes.CODE_TTL_SECONDS * 1000 + 1_000 });
      try {
        await expect(app.codes.consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
      } finally {
        vi.useRealTimers();
      }
      await expect(app.codes.consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
    });
  });
});
