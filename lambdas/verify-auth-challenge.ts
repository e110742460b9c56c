import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { checkChallengeAssertion, type AssertionRefusal } from '../lib/cognito/challenge/assertion';
import { ChallengeKeySetError, parseChallengePublicKeys, type ChallengeKeySet } from '../lib/cognito/challenge/keys';

type VerifyEvent = VerifyAuthChallengeResponseTriggerEvent;

/** One line per answer, so a key rotation can be watched: answers by kid, refusals by reason. */
export type VerifyLogEntry =
  | { msg: 'challenge answer accepted'; kid: string }
  | { msg: 'challenge answer refused'; reason: AssertionRefusal; kid?: string; trustedKids: string[] };

/** CloudWatch takes the function's stdout; one JSON object per line. */
function logToStdout(entry: VerifyLogEntry): void {
  const level = entry.msg === 'challenge answer accepted' ? 'info' : 'warn';
  console.log(JSON.stringify({ level, ...entry }));
}

/**
 * Verify auth challenge response: the answer is correct only if it is an assertion signed by
 * one of the trusted keys (the one its kid names) for this challenge's nonce, this user and
 * this app client. The function holds only public keys, so a leaked Lambda configuration
 * cannot mint answers. `keys` may be a function: the embedded Cognito reads its current set on
 * every answer, as a Lambda's new configuration applies to the invocations after the update.
 */
export function createVerifyAuthChallengeHandler(
  keys: ChallengeKeySet | (() => ChallengeKeySet),
  log: (entry: VerifyLogEntry) => void = logToStdout,
) {
  return async function verifyAuthChallenge(event: VerifyEvent): Promise<VerifyEvent> {
    const trusted = typeof keys === 'function' ? keys() : keys;
    const check = await checkChallengeAssertion(event.request.challengeAnswer, trusted, {
      nonce: event.request.privateChallengeParameters?.nonce ?? '',
      username: event.userName,
      clientId: event.callerContext.clientId,
    });
    event.response.answerCorrect = check.valid;
    if (check.valid) log({ msg: 'challenge answer accepted', kid: check.kid });
    else
      log({ msg: 'challenge answer refused', reason: check.reason, kid: check.kid, trustedKids: [...trusted.keys()] });
    return event;
  };
}

/**
 * The trusted keys from the function's environment: AUTH_CHALLENGE_PUBLIC_KEYS (one or more SPKI
 * PEMs, or a JWKS; at most 4), or the single AUTH_CHALLENGE_PUBLIC_KEY of earlier deployments.
 * Throws a ChallengeKeySetError naming the variable, so a bad set fails at cold start.
 */
export function challengeKeysFromEnvironment(env: Record<string, string | undefined>): ChallengeKeySet {
  const set = env.AUTH_CHALLENGE_PUBLIC_KEYS?.trim();
  const single = env.AUTH_CHALLENGE_PUBLIC_KEY?.trim();
  if (set && single) {
    throw new ChallengeKeySetError('set AUTH_CHALLENGE_PUBLIC_KEYS or AUTH_CHALLENGE_PUBLIC_KEY, not both');
  }
  const variable = set ? 'AUTH_CHALLENGE_PUBLIC_KEYS' : 'AUTH_CHALLENGE_PUBLIC_KEY';
  if (!set && !single)
    throw new ChallengeKeySetError('neither AUTH_CHALLENGE_PUBLIC_KEYS nor AUTH_CHALLENGE_PUBLIC_KEY is set');
  try {
    const keys = parseChallengePublicKeys((set ?? single)!);
    if (!set && keys.size > 1)
      throw new ChallengeKeySetError('holds several keys: use AUTH_CHALLENGE_PUBLIC_KEYS for a set');
    return keys;
  } catch (error) {
    if (error instanceof ChallengeKeySetError) throw new ChallengeKeySetError(`${variable} ${error.message}`);
    throw error;
  }
}

let configured: ((event: VerifyEvent) => Promise<VerifyEvent>) | undefined;

/** The Lambda entry point; a bad key set fails every invocation with the same clear error. */
export async function handler(event: VerifyEvent): Promise<VerifyEvent> {
  if (!configured) {
    const keys = challengeKeysFromEnvironment(process.env);
    // Once per execution environment: shows when a new key set is live (key rotation runbook).
    console.log(JSON.stringify({ level: 'info', msg: 'challenge key set loaded', trustedKids: [...keys.keys()] }));
    configured = createVerifyAuthChallengeHandler(keys);
  }
  return configured(event);
}
