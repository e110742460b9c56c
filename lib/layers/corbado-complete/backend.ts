import 'server-only';
import { normalizeEmail } from '../../email/address';
import { corbadoCall } from '../../telemetry/corbado';
import { corbadoBackendError, corbadoSdk } from './client';

/** Corbado's identifier statuses: `pending` is unverified; `verified` and `primary` are verified. */
const VERIFIED_STATUSES = new Set(['verified', 'primary']);

/** Corbado writes user ids as `usr-<digits>` in tokens and answers, and without the prefix in filters. */
const bareUserId = (userId: string) => userId.replace(/^usr-/, '');

/**
 * Does Corbado's Backend API report `email` as a verified login identifier of this Corbado
 * user? One call (GET /v2/identifiers filtered by user and type); a pending identifier, or one
 * that belongs to another Corbado user, is not enough.
 */
export async function corbadoEmailIsVerified(userId: string, email: string): Promise<boolean> {
  let identifiers;
  try {
    ({ identifiers } = await corbadoCall('identifiers.list', () =>
      corbadoSdk().identifiers().listByUserIdAndType(userId, 'email', undefined, 1, 100),
    ));
  } catch (error) {
    throw corbadoBackendError('identifiers.list', error);
  }
  return (identifiers ?? []).some(
    (identifier) =>
      identifier.type === 'email' &&
      typeof identifier.userID === 'string' &&
      bareUserId(identifier.userID) === bareUserId(userId) &&
      normalizeEmail(identifier.value) === email &&
      VERIFIED_STATUSES.has(identifier.status),
  );
}
