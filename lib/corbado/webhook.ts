import 'server-only';
import { randomUUID } from 'node:crypto';
import { audit } from '../audit';
import { normalizeEmail } from '../auth/email';
import { checkPasswordUnderLockout } from '../auth/password';
import { revokeRefreshToken } from '../cognito/auth';
import { existingUserStatus, type ExistingUserStatus } from '../cognito/users';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../log';
import { enforceRateLimits, type RateLimitCheck } from '../rate-limit';
import { handleCorbadoEvent } from './webhook-events';

/**
 * POST /api/corbado/webhook, after basic auth: Corbado's existing-user-base actions
 * (`authMethods`, `passwordVerify`), answered from Cognito as `{responseID, data}`, and its
 * event notifications (see webhook-events.ts). Anything malformed is a 400 with a short reason,
 * decided before any Cognito call.
 */

/** Corbado's payloads are a few hundred bytes. */
export const WEBHOOK_MAX_BYTES = 16 * 1024;

/**
 * All verifications from one address. Corbado calls from its own servers for every user of the
 * project, so this is a ceiling against a flood, not a per-person limit. Guesses at one account
 * count against the password route's lockout (lib/auth/password.ts).
 */
const PASSWORD_VERIFY_PER_ADDRESS = { name: 'corbado-password-verify:address', limit: 300, windowSeconds: 5 * 60 };

type Json = Record<string, unknown>;

export interface WebhookRequest {
  body: Json;
  /** X-Corbado-Action, for the existing-user-base actions. */
  actionHeader: string | null;
  /** X-Corbado-Webhook-Event, for event notifications. */
  eventHeader: string | null;
  clientAddress: string;
}

export interface ActionAnswer {
  responseID: string;
  data: { status: ExistingUserStatus } | { success: boolean };
}

function bad(message: string): AppError {
  return new AppError('invalid_request', message);
}

export async function handleCorbadoWebhook(request: WebhookRequest): Promise<object> {
  const { body, actionHeader, eventHeader } = request;
  if (body.action !== undefined || actionHeader !== null) return answerAction(request);
  if (body.type !== undefined || eventHeader !== null) return handleCorbadoEvent(body, eventHeader);
  throw bad('Expected an action (authMethods, passwordVerify) or an event (type).');
}

async function answerAction({ body, actionHeader, clientAddress }: WebhookRequest): Promise<ActionAnswer> {
  const { id, projectID, action, data } = body;
  if (action !== 'authMethods' && action !== 'passwordVerify') {
    throw bad('Unknown action; expected authMethods or passwordVerify.');
  }
  if (actionHeader !== null && actionHeader !== action) throw bad('X-Corbado-Action does not match the action.');
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) throw bad('id must be the webhook request id.');
  const project = getConfig().corbado;
  if (typeof projectID !== 'string' || (project && projectID !== project.projectId)) {
    throw bad("projectID does not match this server's Corbado project.");
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('data must be an object.');
  const { username, password } = data as Json;
  if (typeof username !== 'string' || username.length === 0 || username.length > 320) {
    throw bad('data.username must be a non-empty string.');
  }
  const responseID = randomUUID();

  if (action === 'authMethods') {
    const email = normalizeEmail(username);
    // The pool uses the email as username: anything else cannot be one of its users.
    const status = email ? await existingUserStatus(email) : 'not_exists';
    audit('webhook_event', { source: 'corbado_webhook', action, corbadoRequestId: id, responseId: responseID, status });
    return { responseID, data: { status } };
  }

  if (typeof password !== 'string' || password.length === 0 || password.length > 256) {
    throw bad('data.password must be a non-empty string of at most 256 characters.');
  }
  const email = normalizeEmail(username);
  const perAddress = { rule: PASSWORD_VERIFY_PER_ADDRESS, key: clientAddress };
  let success = false;
  // The pool uses the email as username: anything else is no user, and costs no Cognito call.
  if (email) success = await passwordIsCorrect(email, password, perAddress);
  else await enforceRateLimits([perAddress]);
  audit('webhook_event', { source: 'corbado_webhook', action, corbadoRequestId: id, responseId: responseID, success });
  return { responseID, data: { success } };
}

/**
 * Checks the password with Cognito (USER_PASSWORD_AUTH), under the same per-account lockout as
 * the password route. Cognito answers a correct password with tokens; they are not needed
 * here, so the refresh token (and with it every access token issued from it) is revoked at
 * once: a verification leaves no live session behind.
 */
async function passwordIsCorrect(email: string, password: string, perAddress: RateLimitCheck): Promise<boolean> {
  let tokens;
  try {
    tokens = await checkPasswordUnderLockout(email, password, perAddress);
  } catch (error) {
    const refused =
      error instanceof AppError &&
      (error.code === 'invalid_credentials' ||
        error.code === 'account_blocked' ||
        error.code === 'password_change_required');
    if (refused) return false;
    throw error;
  }
  if (tokens.refreshToken) {
    try {
      await revokeRefreshToken(tokens.refreshToken);
    } catch (error) {
      // The token was never handed to anyone; Corbado still gets the true answer.
      log.error('password_verify_revoke_failed', { error });
    }
  }
  return true;
}
