import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestCodeFor } from '../support/http';
import { startTestCognito, applyAppEnvironment, type TestCognito } from '../support/stack';

/**
 * The email-code store (lib/email/codes.ts) on the test's DynamoDB (dynalite): how a right code is used,
 * finished, or given back when our side failed, and what can never be given back. The HTTP
 * routes and the faults that lead here are in tests/http/email-codes.test.ts and
 * tests/resilience/; this file covers the orderings a test over HTTP cannot time.
 */

type Codes = typeof import('../../lib/email/codes');
type RateLimit = typeof import('../../lib/rate-limit');
type MemoryStore = typeof import('../../lib/rate-limit/memory');

let stack: TestCognito;
let codes: Codes;
let rateLimit: RateLimit;
let memoryStore: MemoryStore;
let seq = 0;
let email: string;

beforeAll(async () => {
  stack = await startTestCognito();
  applyAppEnvironment(stack.env);
  codes = await import('../../lib/email/codes');
  rateLimit = await import('../../lib/rate-limit');
  memoryStore = await import('../../lib/rate-limit/memory');
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  email = `store-${++seq}@example.com`;
  // Each test sends a few codes from one address: fresh counters, and the outbox's console copy kept quiet.
  rateLimit.setRateLimitStore(new memoryStore.MemoryRateLimitStore());
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return () => vi.restoreAllMocks();
});

async function send(): Promise<string> {
  await codes.sendEmailCode(email, '192.0.2.1');
  return latestCodeFor(stack.dataDir, email);
}

const refused = (code: string) => expect(codes.consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
const wrongFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('a right code', () => {
  it('is used by its first right answer: the same code again is refused, finished or not', async () => {
    const code = await send();
    const used = await codes.consumeEmailCode(email, code);
    await refused(code);
    await codes.finishEmailCode(used);
    await refused(code);
  });

  it('given back after our failure, signs in once more, and only once', async () => {
    const code = await send();
    await codes.restoreEmailCode(await codes.consumeEmailCode(email, code));
    const again = await codes.consumeEmailCode(email, code);
    await codes.finishEmailCode(again);
    await codes.restoreEmailCode(again);
    await refused(code);
  });

  it('right at the 5th and last try, given back, has exactly that try again', async () => {
    const code = await send();
    for (let i = 0; i < 4; i++) await refused(wrongFor(code));
    await codes.restoreEmailCode(await codes.consumeEmailCode(email, code));
    const again = await codes.consumeEmailCode(email, code);
    await codes.restoreEmailCode(again);
    // That one try spent on a wrong code, the code is gone.
    await refused(wrongFor(code));
    await refused(code);
  });
});

describe('withEmailCode: the one lifecycle callers use', () => {
  type AppErrors = typeof import('../../lib/errors');
  let errors: AppErrors;
  beforeAll(async () => {
    errors = await import('../../lib/errors');
  });

  it('runs the sign-in once for a right code, and then the code is gone', async () => {
    const code = await send();
    const signIn = vi.fn(async () => 'signed in');
    await expect(codes.withEmailCode(email, code, signIn)).resolves.toBe('signed in');
    expect(signIn).toHaveBeenCalledTimes(1);
    await refused(code);
  });

  it('never runs the sign-in for a wrong or malformed code', async () => {
    const code = await send();
    const signIn = vi.fn(async () => 'signed in');
    await expect(codes.withEmailCode(email, wrongFor(code), signIn)).rejects.toThrow(/invalid_code/);
    await expect(codes.withEmailCode(email, { code }, signIn)).rejects.toThrow(/invalid_code/);
    expect(signIn).not.toHaveBeenCalled();
  });

  it.each([
    ['Cognito unavailable (upstream_unavailable)', () => new errors.AppError('upstream_unavailable')],
    ['an unexpected error', () => new Error('socket hang up')],
  ])('gives the code back when our side failed: %s', async (_case, failure) => {
    const code = await send();
    await expect(
      codes.withEmailCode(email, code, async () => {
        throw failure();
      }),
    ).rejects.toThrow();
    await expect(codes.withEmailCode(email, code, async () => 'signed in')).resolves.toBe('signed in');
    await refused(code);
  });

  it('ends the code on any other answer (a disabled account, say): the same code is refused after', async () => {
    const code = await send();
    await expect(
      codes.withEmailCode(email, code, async () => {
        throw new errors.AppError('account_blocked');
      }),
    ).rejects.toThrow(/account_blocked/);
    await refused(code);
  });
});

describe('two sends', () => {
  it('of two sends in flight, the code of the later request is kept, whichever send ends last', async () => {
    const now = Date.now();
    // The earlier request's send ends last: simulated by its clock reading (taken when it was asked for).
    vi.useFakeTimers({ toFake: ['Date'], now: now + 1_000 });
    const later = await send();
    vi.setSystemTime(now);
    const earlier = await send();
    vi.useRealTimers();
    await refused(earlier);
    expect(await codes.consumeEmailCode(email, later)).toEqual({ email, hashes: [expect.any(String)] });
  });
});

describe('what is never given back', () => {
  it('a code replaced by a newer one sent meanwhile: the old one stays refused, the new one works', async () => {
    const first = await send();
    const used = await codes.consumeEmailCode(email, first);
    const second = await send();
    await codes.restoreEmailCode(used);
    await refused(first);
    expect(await codes.consumeEmailCode(email, second)).toEqual({ email, hashes: [expect.any(String)] });
  });

  it('a code whose newer successor was sent and used meanwhile', async () => {
    const first = await send();
    const usedFirst = await codes.consumeEmailCode(email, first);
    const second = await send();
    await codes.finishEmailCode(await codes.consumeEmailCode(email, second));
    await codes.restoreEmailCode(usedFirst);
    await refused(first);
    await refused(second);
  });

  it('a code whose successor is being used at this moment: the successor is neither freed nor changed', async () => {
    const first = await send();
    const usedFirst = await codes.consumeEmailCode(email, first);
    const second = await send();
    const usedSecond = await codes.consumeEmailCode(email, second);
    await codes.restoreEmailCode(usedFirst);
    await refused(first);
    await refused(second);
    // The successor's own sign-in failing on our side gives it back, with its tries untouched.
    await codes.restoreEmailCode(usedSecond);
    expect(await codes.consumeEmailCode(email, second)).toEqual(usedSecond);
  });

  it('a code past its 10 minutes', async () => {
    const code = await send();
    const used = await codes.consumeEmailCode(email, code);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1_000 });
    try {
      await codes.restoreEmailCode(used);
    } finally {
      vi.useRealTimers();
    }
    await refused(code);
  });
});

/**
 * The SESSION_SECRET fleet rotation of docs/DEPLOYMENT.md: each instance is this file's modules
 * loaded afresh on its own secrets, over the same table. A code is sent by an instance of
 * one step and typed in on an instance of the next (or, mid-rollout, the step before).
 */
describe('a SESSION_SECRET rotation', () => {
  const A = 'rotation-secret-A-0123456789abcdefghijklmnop';
  const B = 'rotation-secret-B-0123456789abcdefghijklmnop';
  const SECRET_VARIABLES = ['SESSION_SECRET', 'SESSION_SECRET_PREVIOUS', 'SESSION_SECRET_NEXT'] as const;
  type Secrets = Partial<Record<(typeof SECRET_VARIABLES)[number], string>>;
  const before: Secrets = { SESSION_SECRET: A };
  const step1: Secrets = { SESSION_SECRET: A, SESSION_SECRET_NEXT: B };
  const step2: Secrets = { SESSION_SECRET: B, SESSION_SECRET_PREVIOUS: A };
  const step3: Secrets = { SESSION_SECRET: B };

  /** lib/email/codes.ts on an instance configured with `secrets`. */
  async function instance(secrets: Secrets): Promise<Codes> {
    for (const name of SECRET_VARIABLES) delete process.env[name];
    applyAppEnvironment({ ...stack.env, ...secrets } as Record<string, string>);
    vi.resetModules();
    const loaded = await import('../../lib/email/codes');
    (await import('../../lib/rate-limit')).setRateLimitStore(
      new (await import('../../lib/rate-limit/memory')).MemoryRateLimitStore(),
    );
    return loaded;
  }

  afterAll(() => applyAppEnvironment(stack.env));

  async function sendOn(sender: Codes): Promise<string> {
    await sender.sendEmailCode(email, '192.0.2.1');
    return latestCodeFor(stack.dataDir, email);
  }

  it.each([
    ['before the rotation', 'step 1', before, step1],
    ['step 1', 'step 2', step1, step2],
    ['step 2', 'step 1 (an instance not yet rolled)', step2, step1],
    ['step 2', 'step 3', step2, step3],
  ])('a code sent on an instance at %s is accepted on one at %s, once', async (_from, _to, sentOn, typedOn) => {
    const code = await sendOn(await instance(sentOn));
    const receiver = await instance(typedOn);
    const used = await receiver.consumeEmailCode(email, code);
    await receiver.finishEmailCode(used);
    await expect(receiver.consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
  });

  it('a code sent before the rotation, given back after our failure on a rotated instance, works once more there', async () => {
    const code = await sendOn(await instance(before));
    const receiver = await instance(step2);
    await receiver.restoreEmailCode(await receiver.consumeEmailCode(email, code));
    await receiver.finishEmailCode(await receiver.consumeEmailCode(email, code));
    await expect(receiver.consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
  });

  it('a wrong code on a rotated instance costs one try, not one per secret', async () => {
    const code = await sendOn(await instance(before));
    const receiver = await instance(step2);
    for (let i = 0; i < 4; i++)
      await expect(receiver.consumeEmailCode(email, wrongFor(code))).rejects.toThrow(/invalid_code/);
    await receiver.finishEmailCode(await receiver.consumeEmailCode(email, code));
  });

  it('a code sent with a secret no longer accepted is refused (the old secret retired at once)', async () => {
    const code = await sendOn(await instance(before));
    await expect((await instance(step3)).consumeEmailCode(email, code)).rejects.toThrow(/invalid_code/);
  });
});
