import 'server-only';
import { Config, SDK } from '@corbado/node-sdk';
import { AppError } from '../../errors';
import { log } from '../../telemetry/log';
import { corbadoProject, MAX_ANSWER_BYTES } from '../corbado-project';

/** Corbado's Backend API must answer within this time; its SDK sets no timeout of its own. */
const BACKEND_TIMEOUT_MS = 5_000;
/**
 * The SDK, with a timeout on its Backend API client, and, as for Connect's calls, answers from
 * the configured origin only (no redirect followed: a 3xx fails the call) and no larger than
 * MAX_ANSWER_BYTES (axios stops reading past it).
 */
class CorbadoSdk extends SDK {
  override createClient(config: Config) {
    const client = super.createClient(config);
    client.defaults.timeout = BACKEND_TIMEOUT_MS;
    client.defaults.maxRedirects = 0;
    client.defaults.maxContentLength = MAX_ANSWER_BYTES;
    return client;
  }
}

let sdk: CorbadoSdk | undefined;

/**
 * The one Corbado SDK of the process: its JWKS cache (CacheMaxAge, 10 minutes by default) is
 * what lets a returning user sign in without any Corbado network call.
 */
export function corbadoSdk(): SDK {
  if (!sdk) {
    const project = corbadoProject('complete');
    sdk = new CorbadoSdk(new Config(project.projectId, project.apiSecret, project.frontendApi, project.backendApi));
  }
  return sdk;
}

/**
 * A failed Backend API call as an AppError. The SDK turns every failure into an error with
 * `httpStatusCode` (500 when Corbado could not be reached at all): Corbado's own trouble is a
 * 503 the user can retry, a 4xx means this server is misconfigured (wrong API secret...).
 */
export function corbadoBackendError(operation: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = (error as { httpStatusCode?: unknown } | null)?.httpStatusCode;
  // A redirect (never followed) is Corbado's side too: the answer did not come from its origin.
  const unavailable = typeof status !== 'number' || status >= 500 || (status >= 300 && status < 400);
  log.error('corbado_call_failed', { operation, status, message: (error as Error | null)?.message });
  return new AppError(unavailable ? 'upstream_unavailable' : 'internal', undefined, { cause: error });
}
