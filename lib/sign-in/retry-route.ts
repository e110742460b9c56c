import 'server-only';
import { writeCookies } from '../session/current';
import { KeptForRetry } from './retry';

/**
 * For a sign-in route's `.catch`: a sign-in kept for a retry (retry.ts) writes its keep
 * cookie and answers its 503; any other failure passes through unchanged.
 */
export async function keptForRetry(error: unknown): Promise<never> {
  if (!(error instanceof KeptForRetry)) throw error;
  await writeCookies([error.cookie]);
  throw error.reason;
}
