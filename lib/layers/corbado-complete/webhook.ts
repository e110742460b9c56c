import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../../telemetry/audit';
import { normalizeEmail } from '../../email/address';
import { checkPasswordUnderLockout } from '../../sign-in/password';
import { revokeRefreshToken } from '../../cognito/custom-auth';
import { existingUserStatus, type ExistingUserStatus } from '../../cognito/users';
import { getConfig } from '../../config';
import { AppError } from '../../errors';
import { parseBody } from '../../http/body';
import { log } from '../../telemetry/log';
import { enforceRateLimits, type RateLimitCheck } from '../../rate-limit';
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
 * count against the password route's lockout (lib/sign-in/password.ts).
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

const ID = 'id must be the webhook request id.';
const PROJECT_ID = "projectID does not match this server's Corbado project.";
const USERNAME = 'data.username must be a non-empty string.';
const PASSWORD = 'data.password must be a non-empty string of at most 256 characters.';

/**
 * An action's body, in the order its fields are reported (lib/http/body.ts). The action must
 * match X-Corbado-Action when that header is sent, and the project must be this server's.
 * passwordVerify's data carries the password to check, reported after everything else.
 */
function actionBody(actionHeader: string | null) {
  const action = <A extends string>(name: A) =>
    z.literal(name).refine((sent) => actionHeader === null || actionHeader === sent, {
      error: 'X-Corbado-Action does not match the action.',
    });
  const common = {
    id: z.string({ error: ID }).min(1, { error: ID }).max(128, { error: ID }),
    projectID: z.string({ error: PROJECT_ID }).refine(
      (projectID) => {
        const project = getConfig().corbado;
        return !project || projectID === project.projectId;
      },
      { error: PROJECT_ID },
    ),
  };
  const username = z.string({ error: USERNAME }).min(1, { error: USERNAME }).max(320, { error: USERNAME });
  const data = <S extends z.core.$ZodLooseShape>(shape: S) => z.object(shape, { error: 'data must be an object.' });
  return z.discriminatedUnion(
    'action',
    [
      z.object({ action: action('authMethods'), ...common, data: data({ username }) }),
      z.object({
        action: action('passwordVerify'),
        ...common,
        data: data({
          username,
          password: z.string({ error: PASSWORD }).min(1, { error: PASSWORD }).max(256, { error: PASSWORD }),
        }),
      }),
    ],
    { error: 'Unknown action; expected authMethods or passwordVerify.' },
  );
}

async function answerAction({ body, actionHeader, clientAddress }: WebhookRequest): Promise<ActionAnswer> {
  const request = parseBody(actionBody(actionHeader), body);
  const { action, id } = request;
  const { username } = request.data;
  const responseID = randomUUID();

  if (action === 'authMethods') {
    const email = normalizeEmail(username);
    // The pool uses the email as username: anything else cannot be one of its users.
    const status = email ? await existingUserStatus(email) : 'not_exists';
    audit('webhook_event', { source: 'corbado_webhook', action, corbadoRequestId: id, responseId: responseID, status });
    return { responseID, data: { status } };
  }

  const { password } = request.data;
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
