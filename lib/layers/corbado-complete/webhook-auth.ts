import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConfig } from '../../config';
import { AppError } from '../../errors';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares in time independent of where (or whether) the values differ, and of their lengths. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Checks the basic-auth credentials Corbado sends (CORBADO_WEBHOOK_USERNAME / _PASSWORD).
 * Throws webhook_disabled (404) when none are configured, webhook_unauthorized (401) for a
 * missing, malformed or wrong Authorization header.
 */
export function authenticateWebhook(authorization: string | null): void {
  const expected = getConfig().webhook;
  if (!expected) throw new AppError('webhook_disabled');
  const match = /^Basic[ ]+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(authorization ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const split = decoded.indexOf(':');
  const username = split >= 0 ? decoded.slice(0, split) : '';
  const password = split >= 0 ? decoded.slice(split + 1) : '';
  // Both comparisons always run, so the answer's timing does not tell which one failed.
  const usernameMatches = sameSecret(username, expected.username);
  const passwordMatches = sameSecret(password, expected.password);
  if (!match || !usernameMatches || !passwordMatches) throw new AppError('webhook_unauthorized');
}
