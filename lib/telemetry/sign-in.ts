import { instruments } from './metrics';
import { errorType, withSpan } from './tracing';

/**
 * One sign-in attempt, from the proof to the cookies: a span `sign_in` (attribute auth.method)
 * around it, and one count in `auth.sign_ins` with its outcome: `success`, or the error code
 * the user got (invalid_code, passkey_rejected, upstream_unavailable, ...). The pipeline's own
 * steps (lib/sign-in/pipeline.ts) are child spans: `sign_in.custom_auth`, `sign_in.provision`,
 * `sign_in.session`; the Cognito, Corbado and store calls nest below them.
 */
export function recordSignIn<T>(method: string, run: () => Promise<T>): Promise<T> {
  return withSpan('sign_in', { 'auth.method': method }, async (span) => {
    let outcome = 'success';
    try {
      return await run();
    } catch (error) {
      outcome = errorType(error);
      throw error;
    } finally {
      span.setAttribute('auth.outcome', outcome);
      instruments().signIns.add(1, { 'auth.method': method, 'auth.outcome': outcome });
    }
  });
}
