/**
 * What every rate-limit store gives: fixed-window counters, in memory (memory.ts) or shared in
 * Redis (redis.ts). index.ts picks one by configuration and applies the rules over it.
 */

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
