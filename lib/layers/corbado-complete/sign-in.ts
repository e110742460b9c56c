import 'server-only';
import { audit } from '../../telemetry/audit';
import { signInVerifiedIdentity } from '../../sign-in/pipeline';
import type { SignedIn } from '../../session/session';
import { AppError } from '../../errors';
import { recordSignIn } from '../../telemetry/sign-in';
import { mayCorbadoUserTakeOver } from './account-link';
import { corbadoProject } from '../corbado-project';
import { verifyCorbadoSessionToken } from './session-token';

/**
 * Corbado mode: exchanges a Corbado session token for the app's session. The token is checked
 * first (nothing reaches Cognito for a bad one), then the one pipeline runs: find or provision
 * the Cognito user (a new one linked to this Corbado user), CUSTOM_AUTH with the signed
 * assertion, sealed cookies. An existing user not linked to this Corbado user (a password user,
 * or one provisioned for another) is used only under the rule of mayCorbadoUserTakeOver.
 */
export const signInWithCorbadoSession = (token: string | null) =>
  recordSignIn('corbado', () => corbadoSessionSignIn(token));
async function corbadoSessionSignIn(token: string | null): Promise<SignedIn> {
  corbadoProject('complete');
  let identity;
  try {
    identity = await verifyCorbadoSessionToken(token);
  } catch (error) {
    if (error instanceof AppError) {
      // The detail is one of the checks' own names (JWT_EXPIRED, no exp...), never token content.
      const detail =
        error.code === 'corbado_session_invalid' && error.cause instanceof Error ? error.cause.message : undefined;
      audit('sign_in_failed', { method: 'corbado', reason: error.code, detail });
    }
    throw error;
  }
  return signInVerifiedIdentity({
    email: identity.email,
    method: 'corbado',
    corbadoUserId: identity.userId,
    mayUseExistingUser: (user) => mayCorbadoUserTakeOver(user, identity),
  });
}
