import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { decodeJwt } from 'jose';
import {
  InvalidParameterError,
  NotAuthorizedError,
  PasswordResetRequiredError,
  ResourceNotFoundError,
  UnsupportedError,
  UserLambdaValidationError,
  UserNotConfirmedException,
  UserNotFoundError,
} from 'cognito-local/lib/errors';
import type { Services } from 'cognito-local/lib/services';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import type { Context } from 'cognito-local/lib/services/context';
import { attributesToRecord, type User, type UserPoolService } from 'cognito-local/lib/services/userPoolService';
import type { NativePasskeys } from './native-passkeys';
import type { TokenIssuer } from './token-issuer';
import { UserAuthFlow } from './user-auth';
import { ChallengeSessions, type ChallengeHistory } from './challenge-sessions';

/**
 * The auth operations cognito-local 5.3.0 lacks or gets wrong, written to behave like Amazon
 * Cognito for every call the app makes: CUSTOM_AUTH with the Define/Create/Verify triggers and
 * server-side, expiring, single-use challenge sessions; SECRET_HASH checked; the same
 * NotAuthorizedException for a wrong password and (with PreventUserExistenceErrors) an unknown
 * user; GlobalSignOut, AdminUserGlobalSignOut and RevokeToken invalidating refresh tokens.
 */

export interface CustomAuthTriggers {
  defineAuthChallenge(event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent>;
  createAuthChallenge(event: CreateAuthChallengeTriggerEvent): Promise<CreateAuthChallengeTriggerEvent>;
  verifyAuthChallengeResponse(
    event: VerifyAuthChallengeResponseTriggerEvent,
  ): Promise<VerifyAuthChallengeResponseTriggerEvent>;
}

type Params = Record<string, string | undefined>;
type Request = {
  ClientId?: string;
  UserPoolId?: string;
  AuthFlow?: string;
  AuthParameters?: Params;
  ChallengeName?: string;
  ChallengeResponses?: Params;
  Session?: string;
  ClientMetadata?: Record<string, string>;
  AccessToken?: string;
  Username?: string;
  Token?: string;
  ClientSecret?: string;
};
type Target = (ctx: Context, req: Request) => Promise<object>;

const INCORRECT = 'Incorrect username or password.';
const FLOW_SETTING: Record<string, string> = {
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  ADMIN_USER_PASSWORD_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  CUSTOM_AUTH: 'ALLOW_CUSTOM_AUTH',
  REFRESH_TOKEN_AUTH: 'ALLOW_REFRESH_TOKEN_AUTH',
  REFRESH_TOKEN: 'ALLOW_REFRESH_TOKEN_AUTH',
  USER_AUTH: 'ALLOW_USER_AUTH',
  // Not implemented here, but known: a client that does not allow it gets Cognito's InvalidParameterException.
  USER_SRP_AUTH: 'ALLOW_USER_SRP_AUTH',
};

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function secretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret)
    .update(username + clientId)
    .digest('base64');
}

export class AuthFlows {
  private readonly sessions = new ChallengeSessions();
  private readonly userAuth: UserAuthFlow;

  constructor(
    private readonly services: Services,
    private readonly issuer: TokenIssuer,
    private readonly triggers: CustomAuthTriggers,
    native: { passkeys: NativePasskeys; sendEmail: (to: string, subject: string, text: string) => void },
  ) {
    this.userAuth = new UserAuthFlow(issuer, native.passkeys, native.sendEmail, this.sessions);
  }

  /** The operations this class answers, by their x-amz-target name. */
  targets(): Record<string, Target> {
    return {
      InitiateAuth: (ctx, req) => this.initiateAuth(ctx, req, false),
      AdminInitiateAuth: (ctx, req) => this.initiateAuth(ctx, req, true),
      RespondToAuthChallenge: (ctx, req) => this.respondToAuthChallenge(ctx, req, false),
      AdminRespondToAuthChallenge: (ctx, req) => this.respondToAuthChallenge(ctx, req, true),
      GlobalSignOut: (ctx, req) => this.globalSignOut(ctx, req),
      AdminUserGlobalSignOut: (ctx, req) => this.adminUserGlobalSignOut(ctx, req),
      RevokeToken: (ctx, req) => this.revokeToken(ctx, req),
    };
  }

  private async clientAndPool(ctx: Context, req: Request, admin: boolean) {
    if (!req.ClientId) throw new InvalidParameterError('Missing required parameter ClientId');
    const client = await this.services.cognito.getAppClient(ctx, req.ClientId);
    if (!client) throw new ResourceNotFoundError(`User pool client ${req.ClientId} does not exist.`);
    if (admin && client.UserPoolId !== req.UserPoolId) {
      throw new ResourceNotFoundError(`User pool client ${req.ClientId} does not exist.`);
    }
    const pool = await this.services.cognito.getUserPool(ctx, client.UserPoolId);
    return { client, pool };
  }

  private checkSecretHash(client: AppClient, username: string, provided: string | undefined): void {
    if (!client.ClientSecret) return;
    if (!provided) {
      throw new NotAuthorizedError(
        `Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`,
      );
    }
    if (!safeEqual(secretHash(client.ClientSecret, username, client.ClientId), provided)) {
      throw new NotAuthorizedError(`Unable to verify secret hash for client ${client.ClientId}`);
    }
  }

  private checkFlowAllowed(client: AppClient, flow: string): void {
    const allowed = client.ExplicitAuthFlows ?? [];
    const setting = FLOW_SETTING[flow];
    if (!setting) throw new UnsupportedError(`AuthFlow=${flow}`);
    if (allowed.length > 0 && !allowed.includes(setting)) {
      throw new InvalidParameterError(`${flow} flow not enabled for this client`);
    }
  }

  private unknownUser(client: AppClient): Error {
    return client.PreventUserExistenceErrors === 'ENABLED'
      ? new NotAuthorizedError(INCORRECT)
      : new UserNotFoundError('User does not exist.');
  }

  private async initiateAuth(ctx: Context, req: Request, admin: boolean): Promise<object> {
    const { client, pool } = await this.clientAndPool(ctx, req, admin);
    const flow = req.AuthFlow ?? '';
    this.checkFlowAllowed(client, flow);
    if (flow === 'USER_SRP_AUTH') throw new UnsupportedError(`AuthFlow=${flow}`);
    if ((admin && flow === 'USER_PASSWORD_AUTH') || (!admin && flow.startsWith('ADMIN_'))) {
      throw new InvalidParameterError(`${flow} is not a valid AuthFlow for this operation`);
    }
    const params = req.AuthParameters ?? {};
    if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') return this.refresh(ctx, client, pool, params);
    const username = params.USERNAME;
    if (!username) throw new InvalidParameterError('Missing required parameter USERNAME');
    this.checkSecretHash(client, username, params.SECRET_HASH);
    if (flow === 'CUSTOM_AUTH') return this.startCustomAuth(ctx, client, pool, username, req.ClientMetadata);
    if (flow === 'USER_AUTH') {
      const user = await pool.getUserByUsername(ctx, username);
      if (!user) throw this.unknownUser(client);
      return this.userAuth.initiate(client, pool, user, params, this.sessionMinutes(client));
    }
    return this.passwordAuth(ctx, client, pool, username, params.PASSWORD);
  }

  private async passwordAuth(
    ctx: Context,
    client: AppClient,
    pool: UserPoolService,
    username: string,
    password: string | undefined,
  ): Promise<object> {
    if (!password) throw new InvalidParameterError('Missing required parameter PASSWORD');
    const user = await pool.getUserByUsername(ctx, username);
    if (!user) throw this.unknownUser(client);
    if (!safeEqual(user.Password, password)) throw new NotAuthorizedError(INCORRECT);
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');
    if (user.UserStatus === 'UNCONFIRMED') throw new UserNotConfirmedException();
    if (user.UserStatus === 'RESET_REQUIRED') throw new PasswordResetRequiredError();
    if (user.UserStatus === 'FORCE_CHANGE_PASSWORD') return this.newPasswordChallenge(client, pool, user, []);
    return { ChallengeParameters: {}, AuthenticationResult: await this.issuer.issue(pool.options.Id, client, user) };
  }

  private async refresh(ctx: Context, client: AppClient, pool: UserPoolService, params: Params): Promise<object> {
    const token = params.REFRESH_TOKEN;
    if (!token) throw new InvalidParameterError('Missing required parameter REFRESH_TOKEN');
    const record = this.issuer.findRefreshToken(token, client.ClientId);
    if (!record || record.poolId !== pool.options.Id) throw new NotAuthorizedError('Invalid Refresh Token');
    // Cognito computes the refresh SECRET_HASH over the user's internal username.
    this.checkSecretHash(client, record.username, params.SECRET_HASH);
    const user = await pool.getUserByUsername(ctx, record.username);
    if (!user) throw new NotAuthorizedError('Invalid Refresh Token');
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');
    const tokens = await this.issuer.issue(pool.options.Id, client, user, record);
    return { ChallengeParameters: {}, AuthenticationResult: tokens };
  }

  private async startCustomAuth(
    ctx: Context,
    client: AppClient,
    pool: UserPoolService,
    username: string,
    clientMetadata: Record<string, string> | undefined,
  ): Promise<object> {
    const lambdas = pool.options.LambdaConfig ?? {};
    if (!lambdas.DefineAuthChallenge || !lambdas.CreateAuthChallenge || !lambdas.VerifyAuthChallengeResponse) {
      throw new InvalidParameterError('Custom auth lambda trigger is not configured for the user pool.');
    }
    const user = await pool.getUserByUsername(ctx, username);
    if (!user) {
      if (client.PreventUserExistenceErrors === 'ENABLED') {
        // Cognito still asks the define trigger, telling it the user is unknown; ours fails.
        await this.invoke('DefineAuthChallenge', () =>
          this.triggers.defineAuthChallenge(
            this.event<DefineAuthChallengeTriggerEvent>(
              pool,
              client,
              username,
              'DefineAuthChallenge_Authentication',
              {
                userAttributes: {},
                session: [],
                clientMetadata,
                userNotFound: true,
              },
              { issueTokens: false, failAuthentication: false },
            ),
          ),
        );
      }
      throw this.unknownUser(client);
    }
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');
    if (user.UserStatus === 'UNCONFIRMED') throw new UserNotConfirmedException();
    return this.nextCustomStep(client, pool, user, [], clientMetadata);
  }

  /** Asks the define trigger what comes next: tokens, failure, or a new challenge from the create trigger. */
  private async nextCustomStep(
    client: AppClient,
    pool: UserPoolService,
    user: User,
    history: ChallengeHistory,
    clientMetadata: Record<string, string> | undefined,
  ): Promise<object> {
    const userAttributes = { ...attributesToRecord(user.Attributes), 'cognito:user_status': user.UserStatus };
    const defined = await this.invoke('DefineAuthChallenge', () =>
      this.triggers.defineAuthChallenge(
        this.event<DefineAuthChallengeTriggerEvent>(
          pool,
          client,
          user.Username,
          'DefineAuthChallenge_Authentication',
          {
            userAttributes,
            session: structuredClone(history),
            clientMetadata,
            userNotFound: false,
          },
          { issueTokens: false, failAuthentication: false },
        ),
      ),
    );
    const decision = defined.response;
    if (decision.failAuthentication) throw new NotAuthorizedError(INCORRECT);
    if (decision.issueTokens) {
      // A user AdminCreateUser left in FORCE_CHANGE_PASSWORD must still set a password.
      if (user.UserStatus === 'FORCE_CHANGE_PASSWORD') return this.newPasswordChallenge(client, pool, user, history);
      return { ChallengeParameters: {}, AuthenticationResult: await this.issuer.issue(pool.options.Id, client, user) };
    }
    if (decision.challengeName !== 'CUSTOM_CHALLENGE') {
      throw new UnsupportedError(`define auth challenge chose ${decision.challengeName}`);
    }
    const created = await this.invoke('CreateAuthChallenge', () =>
      this.triggers.createAuthChallenge(
        this.event<CreateAuthChallengeTriggerEvent>(
          pool,
          client,
          user.Username,
          'CreateAuthChallenge_Authentication',
          {
            userAttributes,
            challengeName: 'CUSTOM_CHALLENGE',
            session: structuredClone(history),
            clientMetadata,
            userNotFound: false,
          },
          { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
        ),
      ),
    );
    const session = this.sessions.open(
      {
        kind: 'CUSTOM_CHALLENGE',
        poolId: pool.options.Id,
        clientId: client.ClientId,
        username: user.Username,
        history,
        privateParameters: created.response.privateChallengeParameters ?? {},
        challengeMetadata: created.response.challengeMetadata,
      },
      this.sessionMinutes(client),
    );
    return {
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: session,
      ChallengeParameters: { ...created.response.publicChallengeParameters, USERNAME: user.Username },
    };
  }

  private newPasswordChallenge(client: AppClient, pool: UserPoolService, user: User, history: ChallengeHistory) {
    const session = this.sessions.open(
      {
        kind: 'NEW_PASSWORD_REQUIRED',
        poolId: pool.options.Id,
        clientId: client.ClientId,
        username: user.Username,
        history,
        privateParameters: {},
      },
      this.sessionMinutes(client),
    );
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: session,
      ChallengeParameters: {
        USER_ID_FOR_SRP: user.Username,
        requiredAttributes: '[]',
        userAttributes: JSON.stringify(attributesToRecord(user.Attributes)),
      },
    };
  }

  private async respondToAuthChallenge(ctx: Context, req: Request, admin: boolean): Promise<object> {
    const { client, pool } = await this.clientAndPool(ctx, req, admin);
    const responses = req.ChallengeResponses ?? {};
    if (!req.ChallengeName) throw new InvalidParameterError('Missing required parameter ChallengeName');
    if (!responses.USERNAME) throw new InvalidParameterError('Missing required parameter USERNAME');
    if (!req.Session) throw new InvalidParameterError('Missing required parameter Session');
    this.checkSecretHash(client, responses.USERNAME, responses.SECRET_HASH);
    const state = this.sessions.take(req.Session);
    if (state === 'expired') throw new NotAuthorizedError('Invalid session for the user, session is expired.');
    if (
      !state ||
      state.kind !== req.ChallengeName ||
      state.clientId !== client.ClientId ||
      state.poolId !== pool.options.Id
    ) {
      throw new NotAuthorizedError('Invalid session for the user.');
    }
    const user = await pool.getUserByUsername(ctx, responses.USERNAME);
    if (!user || user.Username !== state.username) throw new NotAuthorizedError('Invalid session for the user.');
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');

    if (state.userAuth) {
      return this.userAuth.respond(ctx, client, pool, user, state.userAuth, responses, this.sessionMinutes(client));
    }
    if (state.kind === 'NEW_PASSWORD_REQUIRED') {
      if (!responses.NEW_PASSWORD) throw new InvalidParameterError('Missing required parameter NEW_PASSWORD');
      const confirmed: User = {
        ...user,
        Password: responses.NEW_PASSWORD,
        UserStatus: 'CONFIRMED',
        UserLastModifiedDate: new Date(),
      };
      await pool.saveUser(ctx, confirmed);
      return {
        ChallengeParameters: {},
        AuthenticationResult: await this.issuer.issue(pool.options.Id, client, confirmed),
      };
    }

    if (responses.ANSWER === undefined) throw new InvalidParameterError('Missing required parameter ANSWER');
    const verified = await this.invoke('VerifyAuthChallengeResponse', () =>
      this.triggers.verifyAuthChallengeResponse(
        this.event<VerifyAuthChallengeResponseTriggerEvent>(
          pool,
          client,
          user.Username,
          'VerifyAuthChallengeResponse_Authentication',
          {
            userAttributes: { ...attributesToRecord(user.Attributes), 'cognito:user_status': user.UserStatus },
            privateChallengeParameters: { ...state.privateParameters },
            challengeAnswer: responses.ANSWER,
            clientMetadata: req.ClientMetadata,
            userNotFound: false,
          },
          { answerCorrect: false },
        ),
      ),
    );
    const history: ChallengeHistory = [
      ...state.history,
      {
        challengeName: 'CUSTOM_CHALLENGE',
        challengeResult: verified.response.answerCorrect === true,
        challengeMetadata: state.challengeMetadata,
      },
    ];
    return this.nextCustomStep(client, pool, user, history, req.ClientMetadata);
  }

  private async globalSignOut(_ctx: Context, req: Request): Promise<object> {
    if (!req.AccessToken) throw new InvalidParameterError('Missing required parameter AccessToken');
    let poolId = '';
    try {
      poolId =
        String(decodeJwt(req.AccessToken).iss ?? '')
          .split('/')
          .pop() ?? '';
    } catch {
      throw new NotAuthorizedError('Invalid Access Token');
    }
    const claims = await this.issuer.verifyAccessToken(req.AccessToken, poolId);
    if (!claims || typeof claims.username !== 'string') throw new NotAuthorizedError('Invalid Access Token');
    this.issuer.revokeAllForUser(poolId, claims.username);
    return {};
  }

  private async adminUserGlobalSignOut(ctx: Context, req: Request): Promise<object> {
    if (!req.UserPoolId || !req.Username) throw new InvalidParameterError('UserPoolId and Username are required');
    const pool = await this.services.cognito.getUserPool(ctx, req.UserPoolId);
    const user = await pool.getUserByUsername(ctx, req.Username);
    if (!user) throw new UserNotFoundError('User does not exist.');
    this.issuer.revokeAllForUser(pool.options.Id, user.Username);
    return {};
  }

  private async revokeToken(ctx: Context, req: Request): Promise<object> {
    if (!req.Token || !req.ClientId) throw new InvalidParameterError('Token and ClientId are required');
    const client = await this.services.cognito.getAppClient(ctx, req.ClientId);
    if (!client) throw new NotAuthorizedError('Invalid client');
    if (client.ClientSecret && !safeEqual(client.ClientSecret, req.ClientSecret ?? '')) {
      throw new NotAuthorizedError(`Unable to verify secret for client ${client.ClientId}`);
    }
    // Revoking an unknown or already revoked token succeeds, as in Cognito.
    if (this.issuer.findRefreshToken(req.Token, client.ClientId)) this.issuer.revokeRefreshToken(req.Token);
    return {};
  }

  private sessionMinutes(client: AppClient): number {
    const configured = (client as AppClient & { AuthSessionValidity?: number }).AuthSessionValidity;
    return configured && configured >= 3 && configured <= 15 ? configured : 3;
  }

  /** A trigger event in the shape AWS sends to Lambda. */
  private event<E>(
    pool: UserPoolService,
    client: AppClient,
    userName: string,
    triggerSource: string,
    request: object,
    response: object,
  ): E {
    return {
      version: '1',
      region: 'local',
      userPoolId: pool.options.Id,
      userName,
      callerContext: { awsSdkVersion: 'embedded-cognito', clientId: client.ClientId },
      triggerSource,
      request,
      response,
    } as E;
  }

  /** A trigger that throws fails the call the way Cognito reports it. */
  private async invoke<T>(trigger: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new UserLambdaValidationError(`${trigger} failed with error ${(error as Error).message}.`);
    }
  }
}
