import { instruments } from './metrics';
import { errorType, withSpan } from './tracing';

/**
 * `refresh` (Cognito's token refresh) as a function whose every call is a span `session.refresh`
 * and one count in `session.refreshes` with its outcome: `refreshed`; `rejected` (Cognito
 * refused the refresh token, an `unauthenticated` AppError: the user signs in again); or
 * `unavailable` (anything else: the request gets a 503). Used by resolveSession, which
 * middleware.ts calls for every protected request whose ID token has expired.
 */
export function countedRefresh<A extends unknown[], R>(
  refresh: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) =>
    withSpan('session.refresh', {}, async (span) => {
      let outcome = 'refreshed';
      try {
        return await refresh(...args);
      } catch (error) {
        outcome = errorType(error) === 'unauthenticated' ? 'rejected' : 'unavailable';
        throw error;
      } finally {
        span.setAttribute('session.refresh.outcome', outcome);
        instruments().sessionRefreshes.add(1, { 'session.refresh.outcome': outcome });
      }
    });
}
