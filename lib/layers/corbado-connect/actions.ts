import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../../telemetry/audit';
import { normalizeEmail } from '../../email/address';
import { findUserByEmail, findUserByUsername, markUserHasPasskey } from '../../cognito/users';
import { getConfig } from '../../config';
import { AppError } from '../../errors';
import { enforceRateLimits, giveBackRateLimits } from '../../rate-limit';

/**
 * Corbado Connect Actions: the calls Corbado's cloud makes to the app (docs/CORBADO.md).
 * pre-login turns the identifier a user typed into the Cognito username Corbado knows them by;
 * post-append records on the Cognito user that they now have a passkey. Both carry
 * `Authorization: Bearer <CORBADO_ACTIONS_SECRET>`.
 */

/** Corbado calls from few addresses for every user of the app: generous, but bounded. */
const ACTION_CALLS_PER_ADDRESS = { name: 'connect-actions:address', limit: 1200, windowSeconds: 60 };
/** Wrong secrets: a caller that keeps guessing is shut out for a while, even with the right one. */
const ACTION_AUTH_FAILURES_PER_ADDRESS = {
  name: 'connect-actions-failures:address',
  limit: 20,
  windowSeconds: 15 * 60,
};

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Counts the call, then checks the bearer secret in time independent of where (or whether) it
 * differs, and of its length. 404 when the Actions are not configured (their routes ask the layer
 * first: lib/layers/corbado-connect/layer.ts serves them only with a secret), 401 for a wrong one.
 */
export async function authenticateAction(authorization: string | null, clientAddress: string): Promise<void> {
  const secret = getConfig().corbado?.actionsSecret;
  if (!secret) throw new AppError('actions_disabled');
  const failures = { rule: ACTION_AUTH_FAILURES_PER_ADDRESS, key: clientAddress };
  // A wrong secret is counted before the comparison and given back when the secret was right, so
  // a burst of guesses cannot all be compared before any is counted.
  await enforceRateLimits([failures, { rule: ACTION_CALLS_PER_ADDRESS, key: clientAddress }]);
  const match = /^Bearer[ ]+(\S{1,1024})\s*$/i.exec(authorization ?? '');
  const matches = timingSafeEqual(digest(match?.[1] ?? ''), digest(secret));
  if (!match || !matches) throw new AppError('actions_unauthorized');
  await giveBackRateLimits([failures]);
}

const IDENTIFIER = 'identifier must be a non-empty string of at most 320 characters.';

/** pre-login's body (read by the route with readBody): the email as the user typed it. */
export const PreLoginBody = z.object({
  identifier: z.string({ error: IDENTIFIER }).min(1, { error: IDENTIFIER }).max(320, { error: IDENTIFIER }),
});

const USERNAME = 'username must be the Cognito username (1 to 128 visible characters).';
const CREDENTIAL_ID = 'credentialId must be the base64url credential id.';

/** post-append's body: the user Corbado appended a passkey for, and the passkey's id. */
export const PostAppendBody = z.object({
  username: z.string({ error: USERNAME }).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, { error: USERNAME }),
  credentialId: z.string({ error: CREDENTIAL_ID }).regex(/^[A-Za-z0-9_-]{1,1366}$/, { error: CREDENTIAL_ID }),
});

/**
 * pre-login: `{identifier}` (the email as the user typed it) → the Cognito username, or null when
 * no user may sign in with it (none, or disabled). One Cognito call.
 */
export async function answerPreLogin({ identifier }: z.output<typeof PreLoginBody>): Promise<string | null> {
  const email = normalizeEmail(identifier);
  const user = email ? await findUserByEmail(email) : null;
  audit('webhook_event', { source: 'corbado_connect_action', action: 'pre-login', found: Boolean(user?.enabled) });
  return user?.enabled ? user.username : null;
}

/**
 * post-append: `{username, credentialId}` → `custom:hasPasskey=true` on exactly that Cognito
 * user (2 Cognito calls). false when there is no such user; nothing is changed then.
 */
export async function answerPostAppend({ username }: z.output<typeof PostAppendBody>): Promise<boolean> {
  const user = await findUserByUsername(username);
  if (!user) {
    audit('webhook_event', { source: 'corbado_connect_action', action: 'post-append', found: false });
    return false;
  }
  await markUserHasPasskey(user.username);
  audit('passkey_added', { method: 'corbado', layer: 'connect', username: user.username });
  return true;
}
