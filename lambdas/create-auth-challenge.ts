import { randomBytes } from 'node:crypto';
import type { CreateAuthChallengeTriggerEvent } from 'aws-lambda';

/**
 * Create auth challenge: a fresh 256-bit nonce per round. The nonce is public (the app must
 * bind its signed assertion to it) and private (the verifier compares against it); knowing it
 * is worth nothing without the app's private key. Unlike the widely copied original, the
 * expected answer itself is never disclosed.
 */
export async function handler(event: CreateAuthChallengeTriggerEvent): Promise<CreateAuthChallengeTriggerEvent> {
  const nonce = randomBytes(32).toString('base64url');
  const corbadoUserId = event.request.userAttributes['custom:corbadoUserId'];
  event.response.publicChallengeParameters = {
    nonce,
    // Lets the app apply its account-linking rule without another Cognito call.
    createdByCorbado: event.request.userAttributes['custom:createdByCorbado'] === 'true' ? 'true' : 'false',
    ...(corbadoUserId ? { corbadoUserId } : {}),
  };
  event.response.privateChallengeParameters = { nonce };
  event.response.challengeMetadata = 'SIGNED_ASSERTION_V1';
  return event;
}
