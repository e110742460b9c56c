import { randomInt, timingSafeEqual } from 'node:crypto';
import {
  InvalidParameterError,
  NotAuthorizedError,
  UnsupportedError,
  UserNotConfirmedException,
} from 'cognito-local/lib/errors';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import type { Context } from 'cognito-local/lib/services/context';
import { attributeValue, type User, type UserPoolService } from 'cognito-local/lib/services/userPoolService';
import type { ChallengeSessions, UserAuthState } from './challenge-sessions';
import { AwsError, firstAuthFactors, tierOf, type NativePasskeys, type NativePoolOptions } from './native-passkeys';
import type { TokenIssuer } from './token-issuer';

/**
 * Choice-based sign-in, `AuthFlow=USER_AUTH`, as Amazon Cognito answers it: the challenges the
 * pool's sign-in policy allows and the user can answer (PASSWORD and PASSWORD_SRP for a user with
 * a password, EMAIL_OTP for a user with an email address, WEB_AUTHN for a user with a passkey),
 * the preferred one at once when PREFERRED_CHALLENGE names an available one, else
 * SELECT_CHALLENGE with AvailableChallenges. Sessions are the emulator's single-use, expiring
 * challenge sessions (auth-flows.ts). PASSWORD_SRP is listed, as AWS lists it, but not answered:
 * the emulator has no SRP.
 */

type Params = Record<string, string | undefined>;

const INCORRECT = 'Incorrect username or password.';
/** Digits of an EMAIL_OTP code. */
export const EMAIL_OTP_DIGITS = 8;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `j***@e***` as Cognito masks a delivery destination. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

export class UserAuthFlow {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly passkeys: NativePasskeys,
    private readonly sendEmail: (to: string, subject: string, text: string) => void,
    private readonly sessions: ChallengeSessions,
  ) {}

  /** The first factors this user can answer now, in AWS's order. */
  private available(pool: UserPoolService, user: User): string[] {
    const options = pool.options as NativePoolOptions;
    const allowed = firstAuthFactors(options);
    const lite = tierOf(options) === 'LITE';
    const challenges: string[] = [];
    if (allowed.includes('PASSWORD') && user.Password) challenges.push('PASSWORD', 'PASSWORD_SRP');
    if (!lite && allowed.includes('EMAIL_OTP') && attributeValue('email', user.Attributes))
      challenges.push('EMAIL_OTP');
    if (!lite && allowed.includes('WEB_AUTHN') && this.passkeys.canSignIn(pool, user)) challenges.push('WEB_AUTHN');
    return challenges;
  }

  async initiate(
    client: AppClient,
    pool: UserPoolService,
    user: User,
    params: Params,
    minutes: number,
  ): Promise<object> {
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');
    if (user.UserStatus === 'UNCONFIRMED') throw new UserNotConfirmedException();
    const available = this.available(pool, user);
    if (available.length === 0) throw new NotAuthorizedError(INCORRECT);
    const preferred = params.PREFERRED_CHALLENGE;
    if (preferred && available.includes(preferred)) {
      return this.start(client, pool, user, preferred, params.PASSWORD, minutes);
    }
    return this.select(client, pool, user, available, minutes);
  }

  private select(client: AppClient, pool: UserPoolService, user: User, available: string[], minutes: number): object {
    // With WEB_AUTHN available, the options come now, so that SELECT_CHALLENGE can be answered in
    // one step with ANSWER=WEB_AUTHN and CREDENTIAL, as AWS documents (README.md: our choice).
    const webAuthn = available.includes('WEB_AUTHN') ? this.passkeys.requestOptions(pool, user) : undefined;
    const session = this.open(
      client,
      pool,
      user,
      {
        kind: 'SELECT_CHALLENGE',
        available,
        webAuthnChallenge: webAuthn?.challenge,
      },
      minutes,
    );
    return {
      ChallengeName: 'SELECT_CHALLENGE',
      Session: session,
      AvailableChallenges: available,
      ChallengeParameters: {
        USERNAME: user.Username,
        ...(webAuthn ? { CREDENTIAL_REQUEST_OPTIONS: webAuthn.json } : {}),
      },
    };
  }

  private open(client: AppClient, pool: UserPoolService, user: User, state: UserAuthState, minutes: number): string {
    return this.sessions.open(
      {
        kind: state.kind,
        poolId: pool.options.Id,
        clientId: client.ClientId,
        username: user.Username,
        history: [],
        privateParameters: {},
        userAuth: state,
      },
      minutes,
    );
  }

  private async tokens(client: AppClient, pool: UserPoolService, user: User): Promise<object> {
    return { ChallengeParameters: {}, AuthenticationResult: await this.issuer.issue(pool.options.Id, client, user) };
  }

  /** Starts (or, for PASSWORD, completes) the chosen challenge. */
  private async start(
    client: AppClient,
    pool: UserPoolService,
    user: User,
    challenge: string,
    password: string | undefined,
    minutes: number,
  ): Promise<object> {
    switch (challenge) {
      case 'PASSWORD': {
        if (!password) throw new InvalidParameterError('Missing required parameter PASSWORD');
        if (!user.Password || !sameText(user.Password, password)) throw new NotAuthorizedError(INCORRECT);
        if (user.UserStatus === 'FORCE_CHANGE_PASSWORD' || user.UserStatus === 'RESET_REQUIRED') {
          throw new UnsupportedError(`USER_AUTH with PASSWORD for a user in ${user.UserStatus}`);
        }
        return this.tokens(client, pool, user);
      }
      case 'WEB_AUTHN': {
        const { challenge: webAuthnChallenge, json } = this.passkeys.requestOptions(pool, user);
        const session = this.open(client, pool, user, { kind: 'WEB_AUTHN', webAuthnChallenge }, minutes);
        return {
          ChallengeName: 'WEB_AUTHN',
          Session: session,
          ChallengeParameters: { USERNAME: user.Username, CREDENTIAL_REQUEST_OPTIONS: json },
        };
      }
      case 'EMAIL_OTP': {
        const email = attributeValue('email', user.Attributes)!;
        const code = String(randomInt(0, 10 ** EMAIL_OTP_DIGITS)).padStart(EMAIL_OTP_DIGITS, '0');
        this.sendEmail(email, 'Your sign-in code', `Your one-time sign-in code is ${code}.`);
        const session = this.open(client, pool, user, { kind: 'EMAIL_OTP', code }, minutes);
        return {
          ChallengeName: 'EMAIL_OTP',
          Session: session,
          ChallengeParameters: {
            USERNAME: user.Username,
            CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL',
            CODE_DELIVERY_DESTINATION: maskEmail(email),
          },
        };
      }
      default:
        throw new UnsupportedError(`USER_AUTH challenge ${challenge}`);
    }
  }

  /** RespondToAuthChallenge for a session this flow opened (already taken: single use). */
  async respond(
    ctx: Context,
    client: AppClient,
    pool: UserPoolService,
    user: User,
    state: UserAuthState,
    responses: Params,
    minutes: number,
  ): Promise<object> {
    switch (state.kind) {
      case 'SELECT_CHALLENGE': {
        const answer = responses.ANSWER;
        if (!answer) throw new InvalidParameterError('Missing required parameter ANSWER');
        if (!state.available.includes(answer)) {
          throw new InvalidParameterError(`The challenge ${answer} is not available for this user.`);
        }
        if (answer === 'WEB_AUTHN' && responses.CREDENTIAL !== undefined && state.webAuthnChallenge) {
          await this.passkeys.verifyAssertion(ctx, pool, user, responses.CREDENTIAL, state.webAuthnChallenge);
          return this.tokens(client, pool, user);
        }
        return this.start(client, pool, user, answer, responses.PASSWORD, minutes);
      }
      case 'WEB_AUTHN':
        await this.passkeys.verifyAssertion(ctx, pool, user, responses.CREDENTIAL, state.webAuthnChallenge);
        return this.tokens(client, pool, user);
      case 'EMAIL_OTP': {
        const code = responses.EMAIL_OTP_CODE;
        if (!code) throw new InvalidParameterError('Missing required parameter EMAIL_OTP_CODE');
        if (!sameText(code, state.code))
          throw new AwsError('CodeMismatchException', 'Invalid code or auth state for the user.');
        // A code that reached the address proves it, as a verification code would.
        const verified: User = {
          ...user,
          Attributes: [
            ...(user.Attributes ?? []).filter((attribute) => attribute.Name !== 'email_verified'),
            { Name: 'email_verified', Value: 'true' },
          ],
        };
        await pool.saveUser(ctx, verified);
        return this.tokens(client, pool, verified);
      }
    }
  }
}
