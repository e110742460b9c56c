import type { QuotaCategory } from '../config/cognito-quota';

/**
 * The seam between the quota shaping (quota.ts) and its shared store (quota-redis.ts): what a
 * budget answers, kept apart so that neither module imports the other's file for its types.
 */
export type Reservation =
  /** The call may go after `waitMs`. */
  | { granted: true; waitMs: number }
  /** No slot within the bound: come back in about `appointmentMs`. */
  | { granted: false; appointmentMs: number };

export interface QuotaBudget {
  /**
   * Takes the next slot of `category` (at `perSecond` for all instances) if it comes within
   * `maxWaitMs`; otherwise books an appointment after the queue. `maxWaitMs` < 0 only books.
   */
  reserve(category: QuotaCategory, perSecond: number, maxWaitMs: number): Promise<Reservation>;
}
