import { createPublicKey, type KeyObject } from 'node:crypto';
import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { isValidChallengeAssertion } from '../lib/auth-challenge/assertion';

type VerifyEvent = VerifyAuthChallengeResponseTriggerEvent;

/**
 * Verify auth challenge response: the answer is correct only if it is an assertion signed by
 * the app's private key for this challenge's nonce, this user and this app client. The
 * function holds only the public key, so a leaked Lambda configuration cannot mint answers.
 */
export function createVerifyAuthChallengeHandler(publicKey: KeyObject) {
  return async function verifyAuthChallenge(event: VerifyEvent): Promise<VerifyEvent> {
    event.response.answerCorrect = await isValidChallengeAssertion(event.request.challengeAnswer, publicKey, {
      nonce: event.request.privateChallengeParameters?.nonce ?? '',
      username: event.userName,
      clientId: event.callerContext.clientId,
    });
    return event;
  };
}

let configured: ((event: VerifyEvent) => Promise<VerifyEvent>) | undefined;

/** The Lambda entry point: the public key comes from AUTH_CHALLENGE_PUBLIC_KEY (SPKI PEM). */
export async function handler(event: VerifyEvent): Promise<VerifyEvent> {
  if (!configured) {
    const pem = process.env.AUTH_CHALLENGE_PUBLIC_KEY?.replace(/\\n/g, '\n');
    if (!pem) throw new Error('AUTH_CHALLENGE_PUBLIC_KEY is not set');
    configured = createVerifyAuthChallengeHandler(createPublicKey(pem));
  }
  return configured(event);
}
