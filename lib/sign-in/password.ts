import 'server-only';
import { signInWithPassword, type CognitoTokens } from '../cognito/custom-auth';
import { AppError } from '../errors';
import { enforceRateLimits, giveBackRateLimits, type RateLimitCheck } from '../rate-limit';

/**
 * Wrong passwords one account may get in 15 minutes, wherever they come from: the password
 * route and Corbado's `passwordVerify` webhook action count together.
 */
const PASSWORD_FAILURES_PER_ACCOUNT = { name: 'password-failures:email', limit: 10, windowSeconds: 15 * 60 };

/**
 * Checks an email and password at Cognito under the per-account lockout (and the caller's
 * per-client limit). The attempt is counted before Cognito is asked, so of a burst of
 * concurrent guesses at most 10 reach Cognito, and it is given back unless the password was
 * wrong. After 10 wrong passwords even the right one waits: a 429 with Retry-After.
 */
export async function checkPasswordUnderLockout(
  email: string,
  password: string,
  perClient: RateLimitCheck,
): Promise<CognitoTokens> {
  const perAccount = { rule: PASSWORD_FAILURES_PER_ACCOUNT, key: email };
  await enforceRateLimits([perAccount, perClient]);
  let wrongPassword = false;
  try {
    return await signInWithPassword(email, password);
  } catch (error) {
    wrongPassword = error instanceof AppError && error.code === 'invalid_credentials';
    throw error;
  } finally {
    if (!wrongPassword) await giveBackRateLimits([perAccount]);
  }
}
