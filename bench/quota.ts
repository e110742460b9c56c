import { QUOTA_CATEGORIES, QUOTA_CATEGORY_NAMES, type QuotaCategory } from '../lib/cognito/quota-categories';
import { startTestRedis } from '../tests/support/redis';
import type { QuotaSignIn } from './app-worker';
import type { SeededPool } from './pool';
import { summarize, type Distribution } from './stats';

/**
 * Cognito traffic shaping under a burst (lib/cognito/quota.ts): N sign-ins at once against the
 * embedded Cognito throttling at AWS's default quotas (UserAuthentication 120/s, UserCreation
 * 50/s, UserUpdate 25/s...: TooManyRequestsException over them, as Cognito answers), with 1 and
 * 2 app instances sharing one real Redis. Each sign-in is retried as the browser does after a
 * retryable 503. The other sections run with the budget lifted (UNSHAPED): they measure the
 * app, not the quota.
 */

/** Quotas far above anything the bench reaches: for the sections that measure the app itself. */
export const UNSHAPED: Record<string, string> = Object.fromEntries(
  QUOTA_CATEGORY_NAMES.map((category) => [QUOTA_CATEGORIES[category].env, '100000']),
);

const AWS_DEFAULTS = Object.fromEntries(
  QUOTA_CATEGORY_NAMES.map((category) => [category, QUOTA_CATEGORIES[category].defaultPerSecond]),
) as Record<QuotaCategory, number>;

export interface QuotaBurstResult {
  label: string;
  instances: number;
  signIns: number;
  succeeded: number;
  /** s from the common start until the last sign-in ended. */
  drainSeconds: number;
  /** s from the start to each successful sign-in's end. */
  doneSeconds: Distribution;
  /** How many sign-ins needed 0, 1, 2... retries. */
  retries: Record<number, number>;
  /** Every Retry-After given, in s: the spread of the comebacks. */
  retryAfter: Distribution;
  /** Requests Cognito (the emulator) throttled: 0 when the budget holds the fleet under the quota. */
  cognitoThrottled: number;
  errors: Record<string, number>;
}

type Worker = { run<T>(task: string, options: unknown): Promise<T>; stop(): Promise<void> };
type StartWorker = (pool: SeededPool, label: string, env: Record<string, string>) => Promise<Worker>;

export async function measureQuotaBursts(
  pool: SeededPool,
  startWorker: StartWorker,
  plan: { returning: number; newUsers: number },
  log: (line: string) => void,
): Promise<QuotaBurstResult[]> {
  const redis = await startTestRedis();
  const results: QuotaBurstResult[] = [];
  const faults = pool.stack.cognito.faults;
  try {
    for (const instances of [1, 2]) {
      const workers = await Promise.all(
        Array.from({ length: instances }, (_, i) =>
          startWorker(pool, `quota-${instances}-${i}`, { REDIS_URL: redis.url }),
        ),
      );
      try {
        const bursts = [
          {
            label: `${plan.returning} returning sign-ins`,
            newUsers: false,
            emails: Array.from({ length: plan.returning }, (_, i) => `seed-${i}@bench.example`),
          },
          {
            label: `${plan.newUsers} first sign-ins (new users)`,
            newUsers: true,
            emails: Array.from({ length: plan.newUsers }, (_, i) => `quota-new-${instances}-${i}@bench.example`),
          },
        ];
        for (const burst of bursts) {
          log(`quota: ${burst.label} on ${instances} instance(s)...`);
          faults.limitRates(AWS_DEFAULTS);
          const throttledBefore = Object.values(faults.throttled).reduce((sum, n) => sum + n, 0);
          const startAt = Date.now() + 500;
          const shares = workers.map((worker, w) =>
            worker.run<QuotaSignIn[]>('quotaBurst', {
              emails: burst.emails.filter((_, i) => i % instances === w),
              startAt,
              newUsers: burst.newUsers,
            }),
          );
          const signIns = (await Promise.all(shares)).flat();
          faults.clear();
          const throttled = Object.values(faults.throttled).reduce((sum, n) => sum + n, 0) - throttledBefore;
          results.push(summarizeBurst(burst.label, instances, signIns, throttled));
        }
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
      }
    }
  } finally {
    await redis.stop();
  }
  return results;
}

function summarizeBurst(
  label: string,
  instances: number,
  signIns: QuotaSignIn[],
  cognitoThrottled: number,
): QuotaBurstResult {
  const retries: Record<number, number> = {};
  const errors: Record<string, number> = {};
  for (const signIn of signIns) {
    retries[signIn.retries] = (retries[signIn.retries] ?? 0) + 1;
    if (signIn.error) errors[signIn.error] = (errors[signIn.error] ?? 0) + 1;
  }
  const succeeded = signIns.filter((signIn) => signIn.ok);
  return {
    label,
    instances,
    signIns: signIns.length,
    succeeded: succeeded.length,
    drainSeconds: Math.max(...signIns.map((signIn) => signIn.doneMs)) / 1000,
    doneSeconds: summarize(succeeded.map((signIn) => signIn.doneMs / 1000)),
    retries,
    retryAfter: summarize(signIns.flatMap((signIn) => signIn.retryAfters)),
    cognitoThrottled,
    errors,
  };
}
