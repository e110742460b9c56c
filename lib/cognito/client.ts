import 'server-only';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import { createHmac } from 'node:crypto';
import { getConfig } from '../config';
import { signEveryCall } from './emulator-signing';
import { withCognitoQuota } from './quota';
import { cognitoTelemetry } from '../telemetry/cognito';

let client: CognitoIdentityProviderClient | undefined;

/**
 * The time budget of one Cognito call: each attempt must have its answer within 3 s, counted
 * from when the SDK starts it (waiting for a pooled connection included), well above what a
 * healthy Cognito needs even with its Lambda triggers. The SDK's standard retry strategy makes
 * at most 3 attempts, backing off with full jitter (up to 50/100 ms after errors and timeouts,
 * 1/2 s after throttling) and retrying no more once its retry quota runs dry. So a hanging
 * Cognito costs a request at most about 9 s before the user gets a 503 with Retry-After.
 */
export const COGNITO_CALL_BUDGET = { attemptTimeoutMs: 3_000, maxAttempts: 3 } as const;

/**
 * Connections to Cognito kept open at most. The SDK's default of 50 queues the 51st concurrent
 * call for a free socket, and the attempt's 3 s run while it waits: a burst of first sign-ins
 * then timed out though Cognito answered every call in time (docs/BENCHMARKS.md, section 4).
 * Sockets are made only as calls need them and idle ones are kept alive for reuse.
 */
export const COGNITO_MAX_SOCKETS = 256;

/**
 * The SDK's adaptive retry mode: standard retries plus a client-side rate limiter that, once
 * Cognito throttles, holds this process to a send rate it learns from the throttles (CUBIC).
 * It helps where the quota budget (quota.ts) cannot see all the traffic: without REDIS_URL (or
 * while Redis is down) each instance budgets the full quota alone, and other apps of the AWS
 * account draw on the same quota. Cognito's throttles are then the only signal, and adaptive
 * mode turns them into a lower rate instead of retrying at the same one. With the budget
 * shared and the quota the app's own it never engages: nothing is throttled.
 *
 * The floor: the SDK's own limiter may drop to 0.5 requests/s after a single throttle at low
 * traffic (it scales from the rate it measured), holding a quiet instance to one sign-in call
 * every 2 s for seconds; at least 10/s, in bursts of 10, keeps a quiet instance usable.
 */
export const ADAPTIVE_RATE_FLOOR = { minFillRate: 10, minCapacity: 10 } as const;

/** The one Cognito client of the process (keeps its connections and credentials warm). */
export function cognitoClient(): CognitoIdentityProviderClient {
  if (!client) {
    const { cognito } = getConfig();
    client = new CognitoIdentityProviderClient({
      region: cognito.region,
      ...(cognito.endpoint ? { endpoint: cognito.endpoint } : {}),
      // The embedded emulator answers only calls signed with its generated key; AWS uses the default provider chain.
      ...(cognito.endpointCredentials ? signEveryCall(cognito.endpointCredentials) : {}),
      retryStrategy: new AdaptiveRetryStrategy(COGNITO_CALL_BUDGET.maxAttempts, {
        rateLimiter: new DefaultRateLimiter(ADAPTIVE_RATE_FLOOR),
      }),
      requestHandler: {
        requestTimeout: COGNITO_CALL_BUDGET.attemptTimeoutMs,
        // Without this the SDK only logs a warning when requestTimeout passes, and keeps waiting.
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true, maxSockets: COGNITO_MAX_SOCKETS },
        httpsAgent: { keepAlive: true, maxSockets: COGNITO_MAX_SOCKETS },
      },
    });
    // Every call waits for its turn in its quota category's budget (lib/cognito/quota.ts).
    withCognitoQuota(client);
    // One span and one duration per call, throttled attempts counted (lib/telemetry/cognito.ts).
    client.middlewareStack.use(cognitoTelemetry);
  }
  return client;
}

/** SECRET_HASH for a confidential app client, or nothing for a public one. */
export function secretHashFor(username: string): { SECRET_HASH: string } | Record<string, never> {
  const { clientId, clientSecret } = getConfig().cognito;
  if (!clientSecret) return {};
  return {
    SECRET_HASH: createHmac('sha256', clientSecret)
      .update(username + clientId)
      .digest('base64'),
  };
}
