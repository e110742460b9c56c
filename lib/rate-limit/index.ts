import 'server-only';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { instruments } from '../telemetry/metrics';
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
export function setRateLimitStore(next: RateLimitStore): void {
  store = next;
}

/** One rule applied to one key, e.g. the password lockout to an email. */
export type RateLimitCheck = { rule: RateLimitRule; key: string };

/**
 * The 429 for a rule that is over its limit, logged (ASVS 5.0 V16.3.3: attempts against the
 * anti-automation controls) and counted (rate_limit.refusals) by rule only: the key is an email
 * or an address.
 */
function limited(rule: RateLimitRule, resetAt: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  log.warn('rate_limited', {
    rule: rule.name,
    limit: rule.limit,
    windowSeconds: rule.windowSeconds,
    retryAfterSeconds,
  });
  instruments().rateLimitRefusals.add(1, { 'rate_limit.rule': rule.name });
  return new AppError('rate_limited', undefined, { retryAfterSeconds });
}

/**
 * Counts one attempt against each rule, atomically in the store, before the attempt is made:
 * of any number of concurrent attempts, at most `limit` pass. Once a rule is over, the attempt
 * is refused (a 429 AppError with Retry-After) and given back to the rules before it, which it
 * never reached. The refusing rule keeps it: its window is fixed, so this changes no wait, and
 * nothing is handed back to a counter that may not be the one that counted it (while Redis
 * fails, counts move between Redis and memory). Limits on failures (wrong passwords) count the
 * same way and give the attempt back with giveBackRateLimits once it turns out not to be a
 * failure; reading the count first and adding failures afterwards would let a burst of guesses
 * all pass before any is counted.
 */
export async function enforceRateLimits(checks: RateLimitCheck[]): Promise<void> {
  const passed: RateLimitCheck[] = [];
  for (const check of checks) {
    const { count, resetAt } = await currentStore().hit(`${check.rule.name}:${check.key}`, check.rule.windowSeconds);
    if (count > check.rule.limit) {
      await giveBackRateLimits(passed);
      throw limited(check.rule, resetAt);
    }
    passed.push(check);
  }
}

/**
 * Takes back what enforceRateLimits counted: for an attempt that failed on our side (an email
 * that could not be sent), so users are not locked out by our outage, or that was no failure
 * (the right password). Best effort: a store that fails here leaves the count as it was.
 */
export async function giveBackRateLimits(checks: RateLimitCheck[]): Promise<void> {
  for (const { rule, key } of checks) {
    await currentStore()
      .giveBack(`${rule.name}:${key}`)
      .catch((error: unknown) => log.warn('rate_limit_give_back_failed', { rule: rule.name, error }));
  }
}
