import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';

/** A user gets at most this many answers per sign-in before Cognito fails the attempt. */
export const MAX_CHALLENGE_ATTEMPTS = 3;

/**
 * Define auth challenge: the only step is our CUSTOM_CHALLENGE; tokens are issued only right
 * after a correct answer. Any other challenge in the session (SRP_A, PASSWORD_VERIFIER...), an
 * unknown user or a fourth attempt fails the sign-in.
 */
export async function handler(event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent> {
  const history = event.request.session ?? [];
  const onlyCustomChallenges = history.every((step) => step.challengeName === 'CUSTOM_CHALLENGE');
  const last = history[history.length - 1];

  if (event.request.userNotFound || !onlyCustomChallenges) {
    fail(event);
  } else if (last?.challengeResult === true) {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
  } else if (history.length >= MAX_CHALLENGE_ATTEMPTS) {
    fail(event);
  } else {
    event.response.challengeName = 'CUSTOM_CHALLENGE';
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
  }
  return event;
}

function fail(event: DefineAuthChallengeTriggerEvent): void {
  event.response.issueTokens = false;
  event.response.failAuthentication = true;
}
