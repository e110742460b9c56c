/**
 * The DynamoDB passkey store (lib/store/dynamodb.ts) under the app's own ceremony code
 * (lib/passkeys/webauthn.ts, lib/email/codes.ts), against dynalite in this process: how many
 * store calls each step makes (counted by dynalite as requests arrive), how long each step takes,
 * and whether a sign-in costs the same with 10 or 10,000 credentials in the table. A software
 * authenticator (tests/support/soft-authenticator.ts) answers the real WebAuthn ceremonies.
 * Latency here is dynalite's on this machine, not DynamoDB's: the call counts are what carry over.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestDynamoDb } from '../tests/support/dynalite';
import { SoftAuthenticator } from '../tests/support/soft-authenticator';
import { challengeKeyPair } from '../tests/support/stack';
import { since, summarize, type Distribution } from './stats';

export interface StoreStep {
  /** Store calls per run of the step, by operation, and in all. */
  calls: Record<string, number>;
  totalCalls: number;
  latency: Distribution;
}

export interface StoreLevel {
  credentials: number;
  signIn: StoreStep;
  list: StoreStep;
}

export interface StoreResult {
  iterations: number;
  steps: Record<
    'signInOptions' | 'signIn' | 'registrationOptions' | 'registration' | 'codeSend' | 'codeVerify',
    StoreStep
  >;
  levels: StoreLevel[];
}

type CookieToSet = import('../lib/session/cookies').CookieToSet;
const APP_ORIGIN = 'http://localhost:3000';

/** The code of the last message to `email` in the local outbox. */
function latestCodeFor(dataDir: string, email: string): string {
  const lines = readFileSync(path.join(dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n');
  const subject = lines
    .map((line) => JSON.parse(line) as { to: string; subject: string })
    .filter((m) => m.to === email)
    .at(-1)?.subject;
  const code = subject && /(\d{6})$/.exec(subject)?.[1];
  if (!code) throw new Error(`no code for ${email} in the outbox`);
  return code;
}

const reader = (cookie: CookieToSet) => ({
  get: (name: string) => (name === cookie.name ? { name, value: cookie.value } : undefined),
});

export async function measurePasskeyStore(plan: { iterations: number; levels: number[] }): Promise<StoreResult> {
  const dynamo = await startTestDynamoDb('bench-passkeys');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-store-'));
  Object.assign(process.env, {
    ...dynamo.env,
    DATA_DIR: dataDir,
    APP_ORIGIN,
    COGNITO_USER_POOL_ID: 'local_bench',
    COGNITO_CLIENT_ID: 'benchclient',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_CHALLENGE_PRIVATE_KEY: challengeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const webauthn = await import('../lib/layers/self-hosted/webauthn');
  const codes = await import('../lib/email/codes');
  const { passkeyStore } = await import('../lib/store');
  const consoleLog = console.log;

  const samples = new Map<string, { ms: number[]; calls: Record<string, number>[] }>();
  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const before = new Map(dynamo.calls);
    const started = performance.now();
    const value = await run();
    const ms = since(started);
    const calls: Record<string, number> = {};
    for (const [operation, count] of dynamo.calls)
      if (count - (before.get(operation) ?? 0) > 0) calls[operation] = count - (before.get(operation) ?? 0);
    const entry = samples.get(name) ?? { ms: [], calls: [] };
    entry.ms.push(ms);
    entry.calls.push(calls);
    samples.set(name, entry);
    return value;
  }
  const result = (name: string): StoreStep => {
    const entry = samples.get(name)!;
    // Whole counts summed first and divided once: 20 runs of 3 calls average exactly 3.
    const sums: Record<string, number> = {};
    for (const run of entry.calls)
      for (const [operation, count] of Object.entries(run)) sums[operation] = (sums[operation] ?? 0) + count;
    const runs = entry.calls.length;
    const calls = Object.fromEntries(Object.entries(sums).map(([operation, sum]) => [operation, sum / runs]));
    const total = Object.values(sums).reduce((sum, n) => sum + n, 0);
    return { calls, totalCalls: total / runs, latency: summarize(entry.ms) };
  };

  // The app's audit lines (one per passkey added, per code sent) would bury the bench's own output.
  console.log = () => undefined;
  try {
    // One user with two passkeys: registration options then exclude existing credentials.
    const user = { sub: `bench-${randomBytes(4).toString('hex')}`, email: 'bench@example.com' } as Parameters<
      typeof webauthn.startPasskeyRegistration
    >[1];
    const authenticators: SoftAuthenticator[] = [];
    for (let i = 0; i < plan.iterations; i++) {
      const authenticator = new SoftAuthenticator(APP_ORIGIN);
      const started = await step('registrationOptions', () =>
        webauthn.startPasskeyRegistration({ get: () => undefined }, user),
      );
      await step('registration', () =>
        webauthn.finishPasskeyRegistration(
          reader(started.cookie),
          user,
          authenticator.register(started.options),
          'Bench',
        ),
      );
      authenticators.push(authenticator);
    }
    for (let i = 0; i < plan.iterations; i++) {
      const started = await step('signInOptions', () => webauthn.startPasskeySignIn({ get: () => undefined }));
      await step('signIn', () =>
        webauthn.finishPasskeySignIn(
          reader(started.cookie),
          authenticators[i % authenticators.length]!.authenticate(started.options),
        ),
      );
    }
    for (let i = 0; i < plan.iterations; i++) {
      const email = `bench-code-${i}@example.com`;
      await step('codeSend', () => codes.sendEmailCode(email, `198.51.100.${i % 250}`));
      const code = latestCodeFor(dataDir, email);
      await step('codeVerify', async () => codes.finishEmailCode(await codes.consumeEmailCode(email, code)));
    }

    // Flat cost: the same sign-in and list with 10 and then 10,000 credentials of other users.
    const levels: StoreLevel[] = [];
    let seeded = 0;
    const store = passkeyStore();
    for (const target of plan.levels) {
      while (seeded < target) {
        const batch = Math.min(10, target - seeded);
        await Promise.all(
          Array.from({ length: batch }, (_, k) =>
            store.insertPasskey({
              id: randomBytes(16).toString('base64url'),
              userSub: `seed-${(seeded + k) % 1000}`,
              email: `seed-${seeded + k}@example.com`,
              publicKey: new Uint8Array(randomBytes(77)),
              counter: 0,
              transports: ['internal'],
              deviceType: 'multiDevice',
              backedUp: true,
              aaguid: null,
              name: 'Seed',
              createdAt: Date.now(),
              lastUsedAt: null,
            }),
          ),
        );
        seeded += batch;
      }
      for (const name of ['levelSignIn', 'levelList']) samples.delete(name);
      for (let i = 0; i < plan.iterations; i++) {
        const started = await webauthn.startPasskeySignIn({ get: () => undefined });
        await step('levelSignIn', () =>
          webauthn.finishPasskeySignIn(
            reader(started.cookie),
            authenticators[i % authenticators.length]!.authenticate(started.options),
          ),
        );
        await step('levelList', () => store.listPasskeys(user.sub));
      }
      levels.push({ credentials: target, signIn: result('levelSignIn'), list: result('levelList') });
    }

    return {
      iterations: plan.iterations,
      steps: {
        signInOptions: result('signInOptions'),
        signIn: result('signIn'),
        registrationOptions: result('registrationOptions'),
        registration: result('registration'),
        codeSend: result('codeSend'),
        codeVerify: result('codeVerify'),
      },
      levels,
    };
  } finally {
    console.log = consoleLog;
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
