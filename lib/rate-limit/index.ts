import 'server-only';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../log';
import { FallbackRateLimitStore } from './fallback';
import { MemoryRateLimitStore } from './memory';
import { RedisRateLimitStore } from './redis';
import type { RateLimitStore } from './store';

/**
 * Fixed-window rate limits, e.g. 10 password attempts per email per 15 minutes. The store is
 * pluggable (store.ts): in memory by default (one instance), shared in Redis when REDIS_URL is
 * set, so that several instances of the app count together (docs/SECURITY.md).
 */

export interface RateLimitRule {
  /** Names the counter, e.g. 'password:email'. */
  name: string;
  limit: number;
  windowSeconds: number;
}

let store: RateLimitStore | undefined;

function configuredStore(): RateLimitStore {
  const { redisUrl } = getConfig();
  return redisUrl ? new FallbackRateLimitStore(new RedisRateLimitStore(redisUrl)) : new MemoryRateLimitStore();
}

function currentStore(): RateLimitStore {
  store ??= configuredStore();
  return store;
}

/** Replaces the store (tests); the next call uses it. */
export function useRateLimitStore(next: RateLimitStore): void {
  store = next;
}

type Check = { rule: RateLimitRule; key: string };

/**
 * The 429 for a rule that is over its limit, logged (ASVS 5.0 V16.3.3: attempts against the
 * anti-automation controls) by rule only: the key is an email or an address.
 */
function limited(rule: RateLimitRule, resetAt: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  log.warn('rate_limited', { rule: rule.name, limit: rule.limit, windowSeconds: rule.windowSeconds, retryAfterSeconds });
  return new AppError('rate_limited', undefined, { retryAfterSeconds });
}

/** Counts one attempt against each rule; throws a 429 AppError with Retry-After once any is over. */
export async function enforceRateLimits(checks: Check[]): Promise<void> {
  for (const { rule, key } of checks) {
    const { count, resetAt } = await currentStore().hit(`${rule.name}:${key}`, rule.windowSeconds);
    if (count > rule.limit) throw limited(rule, resetAt);
  }
}

/** For limits on failures: throws the 429 when the failures already counted reach the limit. */
export async function refuseWhenLimited(checks: Check[]): Promise<void> {
  for (const { rule, key } of checks) {
    const window = await currentStore().peek(`${rule.name}:${key}`);
    if (window && window.count >= rule.limit) throw limited(rule, window.resetAt);
  }
}

/**
 * Takes back what enforceRateLimits counted, for an attempt that failed on our side (an email
 * that could not be sent): users are not locked out by our outage. Best effort: a store that
 * fails here leaves the count as it was.
 */
export async function giveBackRateLimits(checks: Check[]): Promise<void> {
  for (const { rule, key } of checks) {
    await currentStore()
      .giveBack(`${rule.name}:${key}`)
      .catch((error: unknown) => log.warn('rate_limit_give_back_failed', { rule: rule.name, error }));
  }
}

/** Counts one failure (see refuseWhenLimited). */
export async function countFailure({ rule, key }: Check): Promise<void> {
  await currentStore().hit(`${rule.name}:${key}`, rule.windowSeconds);
}
