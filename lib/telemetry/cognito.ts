import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { quotaCategoryOf } from '../config/cognito-quota';
import { instruments } from './metrics';
import { errorType, withSpan } from './tracing';

/** The quota category Cognito counts `operation` in (lib/config/cognito-quota.ts), or 'Other'. */
export function cognitoCategory(operation: string): string {
  return quotaCategoryOf(operation) ?? 'Other';
}

/** Cognito's answer when a quota category is over its rate; other AWS services name it differently. */
function isThrottle(error: unknown): boolean {
  const { name, $retryable } = (error ?? {}) as { name?: unknown; $retryable?: { throttling?: boolean } };
  return name === 'TooManyRequestsException' || name === 'ThrottlingException' || $retryable?.throttling === true;
}

type Stack = CognitoIdentityProviderClient['middlewareStack'];
type Context = { commandName?: string };

const operationOf = (context: Context) => (context.commandName ?? 'Unknown').replace(/Command$/, '');

/**
 * The one place Cognito calls are observed: a plugin for the SDK client (lib/cognito/client.ts
 * installs it with `client.middlewareStack.use(cognitoTelemetry)`).
 *
 * - Around the whole call (the `initialize` step, outside the SDK's retries): a span
 *   `cognito.<Operation>` with rpc.* attributes, the quota category and the number of attempts,
 *   and the call's duration in `cognito.client.duration`.
 * - Around each attempt (the `deserialize` step, inside the retries): a throttled attempt counts
 *   in `cognito.client.throttles`, even when a retry then succeeds: that is the early warning.
 */
export const cognitoTelemetry = {
  applyToStack(stack: Stack): void {
    stack.add(
      (next, context) => (args) => {
        const operation = operationOf(context as Context);
        const category = cognitoCategory(operation);
        const attributes = {
          'rpc.system': 'aws-api',
          'rpc.service': 'CognitoIdentityProvider',
          'rpc.method': operation,
          'cognito.quota_category': category,
        };
        return withSpan(`cognito.${operation}`, attributes, async (span) => {
          const started = performance.now();
          let failure: string | undefined;
          try {
            const output = await next(args);
            span.setAttribute('aws.attempts', attemptsOf(output.output));
            return output;
          } catch (error) {
            failure = errorType(error);
            span.setAttribute('aws.attempts', attemptsOf(error));
            throw error;
          } finally {
            instruments().cognitoDuration.record((performance.now() - started) / 1000, {
              'rpc.method': operation,
              'cognito.quota_category': category,
              ...(failure ? { 'error.type': failure } : {}),
            });
          }
        });
      },
      { step: 'initialize', priority: 'high', name: 'telemetryCallMiddleware' },
    );
    stack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (isThrottle(error)) {
            const operation = operationOf(context as Context);
            instruments().cognitoThrottles.add(1, {
              'rpc.method': operation,
              'cognito.quota_category': cognitoCategory(operation),
            });
          }
          throw error;
        }
      },
      { step: 'deserialize', priority: 'high', name: 'telemetryAttemptMiddleware' },
    );
  },
};

function attemptsOf(outputOrError: unknown): number {
  const attempts = (outputOrError as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : 1;
}
