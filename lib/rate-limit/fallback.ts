import 'server-only';
import { log } from '../telemetry/log';
import { MemoryRateLimitStore } from './memory';
import type { RateLimitStore } from './store';

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
