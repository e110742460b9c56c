import 'server-only';
import { AppError } from './errors';

/**
 * Fixed-window rate limits, e.g. 10 password attempts per email per 15 minutes. The store is
 * pluggable: in memory by default (one instance), shared (Redis) when several instances serve
 * the app.
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
}

let store: RateLimitStore = new MemoryRateLimitStore();

export function useRateLimitStore(next: RateLimitStore): void {
  store = next;
}

type Check = { rule: RateLimitRule; key: string };

function limited(resetAt: number): AppError {
  return new AppError('rate_limited', undefined, {
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)),
  });
}

/** Counts one attempt against each rule; throws a 429 AppError with Retry-After once any is over. */
export async function enforceRateLimits(checks: Check[]): Promise<void> {
  for (const { rule, key } of checks) {
    const { count, resetAt } = await store.hit(`${rule.name}:${key}`, rule.windowSeconds);
    if (count > rule.limit) throw limited(resetAt);
  }
}

/** For limits on failures: throws the 429 when the failures already counted reach the limit. */
export async function refuseWhenLimited(checks: Check[]): Promise<void> {
  for (const { rule, key } of checks) {
    const window = await store.peek(`${rule.name}:${key}`);
    if (window && window.count >= rule.limit) throw limited(window.resetAt);
  }
}

/** Counts one failure (see refuseWhenLimited). */
export async function countFailure({ rule, key }: Check): Promise<void> {
  await store.hit(`${rule.name}:${key}`, rule.windowSeconds);
}
