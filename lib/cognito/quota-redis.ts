import 'server-only';
import { log } from '../telemetry/log';
import { RedisRateLimitStore } from '../rate-limit/redis';
import type { QuotaBudget, Reservation } from './quota-budget';
import type { QuotaCategory } from '../config/cognito-quota';

/**
 * The Cognito budget shared by every instance (REDIS_URL): schedule() of quota.ts as one Lua
 * script per call, so concurrent reservations from any number of instances each get their own
 * slot. Times come from the Redis server's clock (TIME), so instances whose clocks differ still
 * agree on the queue. The connection is the rate limiter's kind (lib/rate-limit/redis.ts: fails
 * fast, never queues commands while reconnecting).
 *
 * While Redis fails, this process falls back to its own budget (at the full rate: with N
 * instances, up to N times the quota, which the SDK's adaptive retry mode then reins in; see
 * client.ts) and tries Redis again after a second.
 */

const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = slot - now
if wait <= maxWait then
  redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(wait + interval) + 1000)
  return {1, tostring(wait)}
end
local appointment = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), slot)
redis.call('SET', KEYS[2], tostring(appointment + interval), 'PX', math.ceil(appointment + interval - now) + 1000)
return {0, tostring(appointment - now)}`;

const RETRY_REDIS_AFTER_MS = 1_000;

export class RedisQuotaBudget implements QuotaBudget {
  private readonly redis: RedisRateLimitStore;
  private redisDownUntil = 0;

  constructor(
    url: string,
    private readonly local: QuotaBudget,
  ) {
    this.redis = new RedisRateLimitStore(url, { timeoutMs: 500 });
  }

  async reserve(category: QuotaCategory, perSecond: number, maxWaitMs: number): Promise<Reservation> {
    if (Date.now() < this.redisDownUntil) return this.local.reserve(category, perSecond, maxWaitMs);
    try {
      const keys = [`cognito-quota:${category}:slot`, `cognito-quota:${category}:appointment`];
      const [granted, ms] = await this.redis.run<[number, string]>([
        'EVAL',
        RESERVE,
        '2',
        ...keys,
        String(1000 / perSecond),
        String(maxWaitMs),
      ]);
      const value = Number(ms);
      if (!Number.isFinite(value)) throw new Error('unexpected reply from the quota script');
      if (this.redisDownUntil) {
        this.redisDownUntil = 0;
        log.info('cognito_quota_shared_again');
      }
      return granted === 1 ? { granted: true, waitMs: value } : { granted: false, appointmentMs: value };
    } catch (error) {
      if (!this.redisDownUntil)
        log.error('cognito_quota_store_unavailable', { error, fallback: 'per-instance budget' });
      this.redisDownUntil = Date.now() + RETRY_REDIS_AFTER_MS;
      return this.local.reserve(category, perSecond, maxWaitMs);
    }
  }

  /** Closes the connection (tests). */
  close(): Promise<void> {
    return this.redis.close();
  }
}
