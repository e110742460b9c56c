import 'server-only';
import { AppError } from '../errors';
import { log } from '../log';

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
 */
export function unexpectedCognitoError(operation: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const name = cognitoErrorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const unavailable = (name !== undefined && UNAVAILABLE.has(name)) || status === undefined || status >= 500;
  log.error('cognito_call_failed', { operation, error: name ?? 'unknown', status, message: (error as Error)?.message });
  return new AppError(unavailable ? 'upstream_unavailable' : 'internal', undefined, { cause: error });
}
