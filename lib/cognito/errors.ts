import 'server-only';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { THROTTLING_ERRORS, throttledError } from './quota';

const UNAVAILABLE = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalErrorException',
  'ServiceUnavailableException',
  'LimitExceededException',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** The AWS SDK error's name (`UsernameExistsException`...), or undefined for anything else. */
export function cognitoErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: string; code?: string };
  return code && UNAVAILABLE.has(code) ? code : name;
}

/**
 * An error from a Cognito call that the caller did not expect, as an AppError: an outage or
 * throttling is a 503 the user can retry, anything else an internal error. Cognito's own text
 * goes to the log, never to the client.
 *
 * An error on a retried call is an outage too, whatever it says: the SDK retried because an
 * earlier attempt timed out or failed, and that attempt may have been applied (a challenge
 * session used up, say), so the last attempt's complaint is a consequence of the outage.
 */
export function unexpectedCognitoError(operation: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const name = cognitoErrorName(error);
  const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
  const status = metadata?.httpStatusCode;
  const attempts = metadata?.attempts ?? 1;
  const unavailable =
    (name !== undefined && UNAVAILABLE.has(name)) || status === undefined || status >= 500 || attempts > 1;
  log.error('cognito_call_failed', {
    operation,
    error: name ?? 'unknown',
    status,
    attempts,
    message: (error as Error)?.message,
  });
  // Throttled by Cognito through every attempt: the quota budget (quota.ts) set when to come back.
  const retryAfterSeconds = (error as { $retryAfterSeconds?: number }).$retryAfterSeconds;
  if (retryAfterSeconds !== undefined && name !== undefined && THROTTLING_ERRORS.has(name))
    return throttledError(retryAfterSeconds, error);
  return new AppError(unavailable ? 'upstream_unavailable' : 'internal', undefined, { cause: error });
}
