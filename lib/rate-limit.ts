import 'server-only';
import { getConfig } from './config';
import { AppError } from './errors';
import { log } from './log';
import { RedisRateLimitStore } from './rate-limit-redis';

/**
 * Fixed-window rate limits, e.g. 10 password attempts per email per 15 minutes. The store is
 * pluggable: in memory by default (one instance), shared in Redis when REDIS_URL is set, so
 * that several instances of the app count together (docs/SECURITY.md).
 */

export interface RateLimitRule {
  /** Names the counter, e.g. 'password:email'. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitWindow {
  count: number;
  /** When the window ends, in ms since the epoch. */
  resetAt: number;
}

export interface RateLimitStore {
  /** Adds one hit to `key` and returns the current window. */
  hit(key: string, windowSeconds: number): Promise<RateLimitWindow>;
  /** The current window of `key` without adding to it; null when there is none. */
  peek(key: string): Promise<RateLimitWindow | null>;
  /** Takes back one hit of the current window (never below zero): the attempt did not happen. */
  giveBack(key: string): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, windowSeconds: number) {
    const now = Date.now();
    if (this.windows.size > 10_000) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { ...window };
  }

  async peek(key: string) {
    const window = this.windows.get(key);
    return window && window.resetAt > Date.now() ? { ...window } : null;
  }

  async giveBack(key: string) {
    const window = this.windows.get(key);
    if (window && window.resetAt > Date.now() && window.count > 0) window.count -= 1;
  }
}

/**
 * The shared store while it answers; when it fails (down, unreachable, slower than its
 * timeout), each instance counts on its own until the shared store is back. Neither open nor
 * closed: limits keep holding per instance, and sign-in keeps working (docs/SECURITY.md).
 */
export class FallbackRateLimitStore implements RateLimitStore {
  /** After a failure the shared store is left alone this long, so requests do not queue on it. */
  static readonly RETRY_AFTER_MS = 1000;
  private sharedDownUntil = 0;
  private sharedDown = false;

  constructor(
    private readonly shared: RateLimitStore,
    private readonly local: RateLimitStore = new MemoryRateLimitStore(),
  ) {}

  /** true while the counters are per instance. */
  get degraded(): boolean {
    return this.sharedDown;
  }

  private async use<T>(operation: (store: RateLimitStore) => Promise<T>): Promise<T> {
    if (Date.now() < this.sharedDownUntil) return operation(this.local);
    try {
      const result = await operation(this.shared);
      if (this.sharedDown) {
        this.sharedDown = false;
        log.info('rate_limit_store_recovered');
      }
      return result;
    } catch (error) {
      if (!this.sharedDown) log.error('rate_limit_store_unavailable', { error, fallback: 'per-instance counters' });
      this.sharedDown = true;
      this.sharedDownUntil = Date.now() + FallbackRateLimitStore.RETRY_AFTER_MS;
      return operation(this.local);
    }
  }

  hit(key: string, windowSeconds: number) {
    return this.use((store) => store.hit(key, windowSeconds));
  }

  peek(key: string) {
    return this.use((store) => store.peek(key));
  }

  giveBack(key: string) {
    return this.use((store) => store.giveBack(key));
  }
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
