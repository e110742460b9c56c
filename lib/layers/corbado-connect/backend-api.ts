import 'server-only';
import { readCappedText } from '../../http/capped-body';
import { AppError } from '../../errors';
import { log } from '../../telemetry/log';
import { corbadoCall } from '../../telemetry/corbado';
import { corbadoProject, MAX_ANSWER_BYTES } from '../corbado-project';

/**
 * Corbado Connect's Backend API, the two calls the app makes: verifySignedData (a login's
 * proof) and connectTokens (what lets the browser component append, list or delete passkeys of
 * the signed-in user). HTTPS with Basic auth (project id : API secret). @corbado/node-sdk 3.0.2
 * has no verifySignedData, so both are plain fetches here.
 */

/** Corbado must answer within this time; a hanging Backend API is an outage, not a wait. */
const BACKEND_TIMEOUT_MS = 5_000;

export type VerificationResult =
  'success' | 'invalid_signature' | 'invalid_challenge' | 'user_mismatch' | 'generic_error';
const VERIFICATION_RESULTS = new Set<string>([
  'success',
  'invalid_signature',
  'invalid_challenge',
  'user_mismatch',
  'generic_error',
]);

export type ConnectTokenType = 'passkey-append' | 'passkey-list' | 'passkey-delete';

/** Shown when Corbado cannot be reached: the passkey way in is down, the others are not. */
const UNAVAILABLE_MESSAGE =
  'Passkey sign-in is temporarily unavailable (Corbado cannot be reached). Try again in a moment, or use your password or an email code.';

/** One Backend API call, in a span `corbado.<operation>`. */
function callBackendApi(operation: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  return corbadoCall(operation, () => postToBackendApi(operation, path, body));
}

async function postToBackendApi(operation: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const project = corbadoProject('connect');
  const basic = Buffer.from(`${project.projectId}:${project.apiSecret}`).toString('base64');
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${project.backendApi}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS),
      cache: 'no-store',
      // Answers come from the configured origin only: a redirect would re-post the signed proof
      // elsewhere and trust that origin's verdict.
      redirect: 'manual',
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      log.error('corbado_call_failed', { operation, status: response.status, problem: 'redirect refused' });
      throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE);
    }
    text = await readAnswerText(response, MAX_ANSWER_BYTES);
  } catch (error) {
    if (error instanceof AppError) throw error;
    log.error('corbado_call_failed', { operation, message: (error as Error).message });
    throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE, { cause: error });
  }
  if (response.status >= 500 || response.status === 429) {
    log.error('corbado_call_failed', { operation, status: response.status });
    throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE);
  }
  if (!response.ok) {
    // A 4xx here means this server is misconfigured (API secret, project id), not the user's fault.
    log.error('corbado_call_failed', { operation, status: response.status });
    throw new AppError('internal');
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Falls through to the error below.
  }
  log.error('corbado_call_failed', { operation, status: response.status, problem: 'answer is not a JSON object' });
  throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE);
}

/** The answer as text, at most `maxBytes` of it (lib/http/capped-body.ts), announced or not. */
async function readAnswerText(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new Error(`answer larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  return readCappedText(response.body, maxBytes, tooLarge);
}

/**
 * Asks Corbado whether `signedPasskeyData` is a valid, unused proof of a passkey login of the
 * user the app knows as `username`. One Backend API call; Corbado answers each proof once.
 */
export async function verifySignedData(signedPasskeyData: string, username: string): Promise<VerificationResult> {
  const answer = await callBackendApi('verifySignedData', '/v2/passkey/verifySignedData', {
    signedPasskeyData,
    username,
  });
  const result = answer.verificationResult;
  if (typeof result !== 'string' || !VERIFICATION_RESULTS.has(result)) {
    log.error('corbado_call_failed', { operation: 'verifySignedData', problem: 'unknown verificationResult' });
    throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE);
  }
  return result as VerificationResult;
}

/** A connect token's secret for the browser component, scoped to one user (one Backend API call). */
export async function createConnectToken(
  type: ConnectTokenType,
  data: { identifier: string; displayName?: string },
): Promise<string> {
  const answer = await callBackendApi('connectTokens', '/v2/connectTokens', { type, data });
  if (typeof answer.secret !== 'string' || answer.secret.length === 0) {
    log.error('corbado_call_failed', { operation: 'connectTokens', problem: 'no secret in the answer' });
    throw new AppError('upstream_unavailable', UNAVAILABLE_MESSAGE);
  }
  return answer.secret;
}
