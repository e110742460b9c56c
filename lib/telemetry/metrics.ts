import { metrics, type MeterProvider } from '@opentelemetry/api';
import { SCOPE } from './tracing';

/**
 * The app's metrics. Names and attributes are the contract with dashboards and alerts
 * (docs/DEPLOYMENT.md, "Telemetry"); every attribute takes a bounded set of values.
 *
 * | instrument                  | kind      | unit        | attributes                                            |
 * | --------------------------- | --------- | ----------- | ----------------------------------------------------- |
 * | auth.sign_ins               | counter   | {sign_in}   | auth.method, auth.outcome (success or an error code)  |
 * | cognito.client.duration     | histogram | s           | rpc.method, cognito.quota_category, error.type if any |
 * | cognito.client.throttles    | counter   | {attempt}   | rpc.method, cognito.quota_category                    |
 * | rate_limit.refusals         | counter   | {request}   | rate_limit.rule                                       |
 * | session.refreshes           | counter   | {refresh}   | session.refresh.outcome (refreshed, rejected, unavailable) |
 *
 * A Cognito call's duration covers all its attempts (the SDK's retries); a throttle is one
 * attempt Cognito refused with TooManyRequestsException, retried or not.
 */
function createInstruments(provider: MeterProvider) {
  const meter = provider.getMeter(SCOPE);
  return {
    signIns: meter.createCounter('auth.sign_ins', { unit: '{sign_in}', description: 'Sign-ins by method and outcome' }),
    cognitoDuration: meter.createHistogram('cognito.client.duration', {
      unit: 's',
      description: 'Duration of each Cognito call, its retries included',
      // Cognito answers in tens of milliseconds; a call's budget is about 9 s (lib/cognito/client.ts).
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
    }),
    cognitoThrottles: meter.createCounter('cognito.client.throttles', {
      unit: '{attempt}',
      description: 'Cognito call attempts refused with TooManyRequestsException',
    }),
    rateLimitRefusals: meter.createCounter('rate_limit.refusals', {
      unit: '{request}',
      description: 'Requests refused by a rate limit (429)',
    }),
    sessionRefreshes: meter.createCounter('session.refreshes', {
      unit: '{refresh}',
      description: 'Expired ID tokens renewed with the refresh token',
    }),
  };
}

let current: { provider: MeterProvider; instruments: ReturnType<typeof createInstruments> } | undefined;

/**
 * The instruments of the meter provider registered now. Made on first use, and again if the
 * provider changes: instruments made before an SDK registers stay no-ops for good.
 */
export function instruments(): ReturnType<typeof createInstruments> {
  const provider = metrics.getMeterProvider();
  if (current?.provider !== provider) current = { provider, instruments: createInstruments(provider) };
  return current.instruments;
}
