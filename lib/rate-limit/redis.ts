import 'server-only';
import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import type { RateLimitStore, RateLimitWindow } from './store';

/**
 * Rate-limit counters in Redis (REDIS_URL), shared by every instance of the app. Each hit is
 * one Lua script, so INCR and the window's expiry happen atomically: concurrent hits from any
 * number of instances are all counted, and a counter can never be left without an expiry.
 *
 * Every call fails fast instead of waiting for Redis: commands are rejected while the client is
 * reconnecting, and a call gives up after `timeoutMs` (node-redis's own command timeout does
 * not cover a command already sent to a server that stopped answering). The caller decides
 * what a failure means (fallback.ts falls back to per-instance counters).
 */

/** Adds one hit; starts the window (PEXPIRE) on the first hit, or if a counter somehow has none. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const PEEK = `
local count = redis.call('GET', KEYS[1])
if not count then return false end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`;

/** Takes back one hit, never below zero, and never touches the window's expiry. */
const GIVE_BACK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return count`;

/** How long the very first call waits for the connection; later calls never wait for one. */
const FIRST_CONNECTION_WAIT_MS = 1000;

export class RedisRateLimitStore implements RateLimitStore {
  private readonly client;
  private firstConnection: Promise<void> | null = null;

  constructor(
    url: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 1000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
    });
    // Without a listener, a socket error would crash the process; failures surface on each call.
    this.client.on('error', () => undefined);
  }

  /**
   * Keys are hashed: counters are named after emails and addresses, which need not sit in
   * Redis in clear, and a 320-character username makes no longer key than any other.
   */
  private key(key: string): string {
    return `rate-limit:${createHash('sha256').update(key).digest('base64url')}`;
  }

  /** Waits for the first connection (briefly); after that, a client that is not ready fails at once. */
  private async ready() {
    this.firstConnection ??= this.connectOnce();
    await this.firstConnection;
    if (!this.client.isReady) throw new Error('Redis is not connected');
    return this.client;
  }

  private async connectOnce(): Promise<void> {
    // connect() settles only once connected: while Redis is down the client keeps reconnecting.
    const connecting = this.client.connect();
    connecting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FIRST_CONNECTION_WAIT_MS);
    });
    await Promise.race([
      connecting.then(
        () => undefined,
        () => undefined,
      ),
      waited,
    ]);
    clearTimeout(timer);
  }

  /**
   * Runs a command (a script); its late reply, if any, is still read in order by the client and
   * dropped. Public for the Cognito budget's script (lib/cognito/quota-redis.ts), which shares
   * this connection discipline.
   */
  async run<T>(args: string[]): Promise<T> {
    const client = await this.ready();
    const timeoutMs = this.options.timeoutMs ?? 500;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      // Timers run before the event loop reads sockets: on a busy process a reply that has
      // arrived would lose to its own timeout. setImmediate lets the loop read it first, so only
      // a Redis that really has not answered counts as failed.
      timer = setTimeout(
        () => setImmediate(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`))),
        timeoutMs,
      );
    });
    try {
      const command = client.sendCommand<T>(args);
      command.catch(() => undefined);
      return await Promise.race([command, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async hit(key: string, windowSeconds: number): Promise<RateLimitWindow> {
    return windowFrom(
      await this.run<[number, number]>(['EVAL', HIT, '1', this.key(key), String(windowSeconds * 1000)]),
    );
  }

  async peek(key: string): Promise<RateLimitWindow | null> {
    const reply = await this.run<[number, number] | null>(['EVAL', PEEK, '1', this.key(key)]);
    return reply ? windowFrom(reply) : null;
  }

  async giveBack(key: string): Promise<void> {
    await this.run<number>(['EVAL', GIVE_BACK, '1', this.key(key)]);
  }

  /** Closes the connection (tests; a server simply exits). */
  async close(): Promise<void> {
    if (this.client.isOpen) this.client.destroy();
  }
}

function windowFrom([count, ttl]: [number, number]): RateLimitWindow {
  if (typeof count !== 'number' || typeof ttl !== 'number')
    throw new Error('unexpected reply from the rate-limit script');
  return { count, resetAt: Date.now() + Math.max(ttl, 0) };
}
