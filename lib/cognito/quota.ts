import 'server-only';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CognitoIdentityProviderClient,
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-cognito-identity-provider';
import type { FinalizeRequestMiddleware, InitializeMiddleware } from '@smithy/types';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { quotaCategoryOf, type QuotaCategory } from '../config/cognito-quota';
import { RedisQuotaBudget } from './quota-redis';
import type { QuotaBudget, Reservation } from './quota-budget';

/**
 * Cognito traffic shaping: a client-side budget per quota category (lib/config/cognito-quota.ts), so a
 * burst of sign-ins queues here, paced at the quota, instead of being throttled by Cognito and
 * failing after the SDK's retries. Shared by every instance through Redis when REDIS_URL is set
 * (quota-redis.ts), per process otherwise.
 *
 * The budget is a queue of slots spaced 1/rate apart (GCRA as a scheduler): a call takes the next
 * free slot and waits until it comes, as long as that is within COGNITO_QUOTA_MAX_WAIT_MS. A call
 * whose slot would come later takes nothing from the queue and fails at once with a 503 whose
 * Retry-After is an appointment: refused calls are given successive places after the queue, one
 * interval apart, so the clients they tell to come back return spread at the rate the budget can
 * serve, not all at once (retryAfterSeconds adds jitter on top).
 *
 * It runs as SDK middleware on the app's one Cognito client (withCognitoQuota, client.ts), once
 * per attempt: every request Cognito counts is paced, retries included, and no call site can
 * forget it.
 */

/** The queue's state for one category: ms timestamps (the Redis script keeps the same two). */
export interface QueueState {
  nextSlot: number;
  nextAppointment: number;
}

/** The scheduling rule, shared by the in-memory budget and (as Lua) the Redis one. */
export function schedule(state: QueueState, now: number, intervalMs: number, maxWaitMs: number): Reservation {
  const slot = Math.max(state.nextSlot, now);
  const waitMs = slot - now;
  if (waitMs <= maxWaitMs) {
    state.nextSlot = slot + intervalMs;
    return { granted: true, waitMs };
  }
  const appointment = Math.max(state.nextAppointment, slot);
  state.nextAppointment = appointment + intervalMs;
  return { granted: false, appointmentMs: appointment - now };
}

/** The budget of this process alone: exact for one instance, N times the rate for N of them. */
export class MemoryQuotaBudget implements QuotaBudget {
  private readonly queues = new Map<QuotaCategory, QueueState>();

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(category: QuotaCategory, perSecond: number, maxWaitMs: number): Promise<Reservation> {
    let state = this.queues.get(category);
    if (!state) this.queues.set(category, (state = { nextSlot: 0, nextAppointment: 0 }));
    return schedule(state, this.now(), 1000 / perSecond, maxWaitMs);
  }
}

let budget: QuotaBudget | undefined;

function currentBudget(): QuotaBudget {
  const { redisUrl } = getConfig();
  budget ??= redisUrl ? new RedisQuotaBudget(redisUrl, new MemoryQuotaBudget()) : new MemoryQuotaBudget();
  return budget;
}

/** Replaces the budget (tests); the next call uses it. */
export function useQuotaBudget(next: QuotaBudget): void {
  budget = next;
}

/** Spread added to every Retry-After, so clients told the same second do not return in step. */
export const RETRY_AFTER_JITTER_MS = 1_000;

/**
 * The Retry-After (whole seconds, at least 1) for an appointment `appointmentMs` away: the client
 * may come back up to `maxWaitMs / 2` early, since it can wait that long in the queue and the
 * earlier it returns the sooner the burst drains, plus up to RETRY_AFTER_JITTER_MS of jitter.
 */
export function retryAfterSeconds(
  appointmentMs: number,
  maxWaitMs: number,
  random: () => number = Math.random,
): number {
  const due = Math.max(0, appointmentMs - Math.max(0, maxWaitMs) / 2) + random() * RETRY_AFTER_JITTER_MS;
  return Math.max(1, Math.ceil(due / 1000));
}

/** The 503 a caller gets when Cognito's quota holds it back: retryable, after Retry-After. */
export function throttledError(retryAfter: number, cause: unknown): AppError {
  return new AppError('upstream_unavailable', undefined, { retryAfterSeconds: retryAfter, retry: true, cause });
}

/** Why a call never left: its category's budget had no slot within the bound. */
export class CognitoQuotaExhausted extends Error {
  constructor(
    readonly operation: string,
    readonly category: QuotaCategory,
  ) {
    super(`the ${category} budget had no slot for ${operation} within the wait bound`);
    this.name = 'CognitoQuotaExhausted';
  }
}

/** Waits for `operation`'s turn in its category, or throws the retryable 503 at once. */
export async function waitForQuota(operation: string): Promise<void> {
  const category = quotaCategoryOf(operation);
  if (!category) return;
  const { perSecond, maxWaitMs } = getConfig().cognitoQuota;
  const reservation = await currentBudget().reserve(category, perSecond[category], maxWaitMs);
  if (reservation.granted) {
    if (reservation.waitMs > 0) await sleep(reservation.waitMs);
    return;
  }
  const retryAfter = retryAfterSeconds(reservation.appointmentMs, maxWaitMs);
  log.warn('cognito_quota_wait_exceeded', { operation, category, retryAfterSeconds: retryAfter });
  throw throttledError(retryAfter, new CognitoQuotaExhausted(operation, category));
}

/**
 * The Retry-After for a call Cognito itself throttled (the quota is the account's: other apps
 * may use it too): an appointment in its category's queue, as a refused call gets.
 */
export async function retryAfterForThrottledCall(operation: string): Promise<number> {
  const category = quotaCategoryOf(operation) ?? 'UserAuthentication';
  const { perSecond, maxWaitMs } = getConfig().cognitoQuota;
  try {
    const reservation = await currentBudget().reserve(category, perSecond[category], -1);
    return retryAfterSeconds(reservation.granted ? reservation.waitMs : reservation.appointmentMs, maxWaitMs);
  } catch {
    return retryAfterSeconds(maxWaitMs, maxWaitMs);
  }
}

/** Cognito's answers to a client over its quota (the SDK error's name). */
export const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException']);

const operationOf = (commandName: string | undefined) => (commandName ?? '').replace(/Command$/, '');

/**
 * Puts the budget on a Cognito client: each attempt waits for its slot (after the retry
 * middleware, so retries are paced too), and a call that ends throttled by Cognito itself
 * carries its Retry-After (`$retryAfterSeconds`, read by unexpectedCognitoError).
 */
export function withCognitoQuota(client: CognitoIdentityProviderClient): CognitoIdentityProviderClient {
  const paced: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    await waitForQuota(operationOf(context.commandName));
    return next(args);
  };
  const throttleRetryAfter: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const name = (error as { name?: string } | null)?.name;
        if (name && THROTTLING_ERRORS.has(name)) {
          (error as { $retryAfterSeconds?: number }).$retryAfterSeconds = await retryAfterForThrottledCall(
            operationOf(context.commandName),
          );
        }
        throw error;
      }
    };
  client.middlewareStack.addRelativeTo(paced, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'cognitoQuotaBudget',
  });
  client.middlewareStack.add(throttleRetryAfter, { step: 'initialize', name: 'cognitoThrottleRetryAfter' });
  return client;
}
