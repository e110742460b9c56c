import { createServer as createHttpServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import pino from 'pino';
import { DefaultConfig } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { createServer as createCognitoLocalServer } from 'cognito-local/lib/server/server';
import { DateClock, LambdaService, MessagesService, TriggersService, type Services } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { CryptoService } from 'cognito-local/lib/services/crypto';
import { ConsoleMessageSender } from 'cognito-local/lib/services/messageDelivery/consoleMessageSender';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import { otp } from 'cognito-local/lib/services/otp';
import type { Context } from 'cognito-local/lib/services/context';
import { handler as defineAuthChallenge } from '../../lambdas/define-auth-challenge';
import { handler as createAuthChallenge } from '../../lambdas/create-auth-challenge';
import { createVerifyAuthChallengeHandler } from '../../lambdas/verify-auth-challenge';
import { AuthFlows } from './auth-flows';
import { WriteBehindDataStoreFactory } from './data-store';
import { CognitoFaults } from './faults';
import { poolAdminTargets } from './pool-admin';
import { TokenIssuer } from './token-issuer';
import { IndexedUserPoolServiceFactory } from './user-pool';

/**
 * The embedded Cognito: cognito-local (pinned) for the user store and admin API, extended
 * in-process with what the app needs and cognito-local lacks (see auth-flows.ts), our own
 * token signing key, and the project's own trigger handlers from lambdas/ run in-process.
 *
 * It runs in the launcher's process (scripts/), never inside the Next.js app: the app talks to
 * it over HTTP exactly as it talks to AWS. One instance per data folder: cognito-local rewrites
 * its JSON files without locking.
 */

export interface EmbeddedCognitoOptions {
  /** The app's DATA_DIR; the emulator keeps its files in `<dataDir>/cognito`. */
  dataDir: string;
  /** The public half of AUTH_CHALLENGE_PRIVATE_KEY, for the verify-auth-challenge trigger. */
  challengePublicKey: KeyObject;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface EmbeddedCognito {
  endpoint: string;
  userPoolId: string;
  clientId: string;
  clientSecret: string;
  /** Requests answered per operation, for tests and benchmarks that count Cognito calls. */
  calls: Map<string, number>;
  /** Fault injection for resilience tests (faults.ts); inert until a rule is added. */
  faults: CognitoFaults;
  close(): Promise<void>;
}

export const EMBEDDED_POOL_NAME = 'cognito-passkeys';
export const TRIGGER_ARNS = {
  DefineAuthChallenge: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-define-auth-challenge',
  CreateAuthChallenge: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-create-auth-challenge',
  VerifyAuthChallengeResponse: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-verify-auth-challenge',
};

type Route = (ctx: Context, req: object) => Promise<object>;

/** One operation at a time, as cognito-local's read-modify-write data store needs. */
function serialized() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  };
}

export async function startEmbeddedCognito(options: EmbeddedCognitoOptions): Promise<EmbeddedCognito> {
  const directory = path.join(options.dataDir, 'cognito');
  const logger = pino({ level: options.logLevel ?? 'error' });
  const ctx: Context = { logger };
  const clock = new DateClock();
  const dataStores = new WriteBehindDataStoreFactory(directory);
  const cognito = await new CognitoServiceFactoryImpl(
    directory,
    dataStores,
    new IndexedUserPoolServiceFactory(clock, dataStores),
  ).create(ctx, { UsernameAttributes: ['email'] });
  const issuer = await TokenIssuer.open(directory);
  // cognito-local's own trigger support stays unused: no functions are configured for it.
  const unusedLambda = new LambdaService({}, {} as ConstructorParameters<typeof LambdaService>[1]);
  const triggers = new TriggersService(clock, cognito, unusedLambda, new CryptoService(DefaultConfig.KMSConfig));
  const services: Services = {
    clock,
    cognito,
    config: DefaultConfig,
    messages: new MessagesService(triggers, new MessageDeliveryService(new ConsoleMessageSender())),
    otp,
    tokenGenerator: {
      generate: async (_ctx, user, _groups, client) => {
        const tokens = await issuer.issue(client.UserPoolId, client, user);
        return { IdToken: tokens.IdToken, AccessToken: tokens.AccessToken, RefreshToken: tokens.RefreshToken ?? '' };
      },
    },
    triggers,
  };
  const flows = {
    ...new AuthFlows(services, issuer, {
      defineAuthChallenge,
      createAuthChallenge,
      verifyAuthChallengeResponse: createVerifyAuthChallengeHandler(options.challengePublicKey),
    }).targets(),
    ...poolAdminTargets(services),
  };
  const baseRouter = Router(services);
  const queue = serialized();
  const calls = new Map<string, number>();
  const router = (target: string): Route => {
    const run = (flows[target] ?? baseRouter(target)) as Route;
    return (requestCtx, req) => {
      calls.set(target, (calls.get(target) ?? 0) + 1);
      return queue(() => run(requestCtx, req));
    };
  };

  const app = createCognitoLocalServer(router, logger, { development: false }).application;
  const faults = new CognitoFaults();
  const server: Server = createHttpServer(faults.around((req, res) => {
    const wellKnown = /^\/([\w-]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(req.url ?? '');
    if (req.method === 'GET' && wellKnown) {
      const [, poolId, document] = wellKnown;
      const body =
        document === 'jwks.json'
          ? { keys: [issuer.publicJwk] }
          : {
              issuer: issuer.issuer(poolId!),
              jwks_uri: `${issuer.issuer(poolId!)}/.well-known/jwks.json`,
              id_token_signing_alg_values_supported: ['RS256'],
            };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
      res.end(JSON.stringify(body));
      return;
    }
    app(req, res);
  }));
  // Longer than any client's idle keep-alive, so a client never reuses a socket the server just closed.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host}:${port}`;
  issuer.setIssuerBase(endpoint);

  try {
    const pool = await ensurePoolAndClient(directory, (target, req) => router(target)(ctx, req));
    return {
      endpoint,
      ...pool,
      calls,
      faults,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([dataStores.flush(), issuer.flush()]);
      },
    };
  } catch (error) {
    server.close();
    throw error;
  }
}

interface PoolIds {
  userPoolId: string;
  clientId: string;
  clientSecret: string;
}

/** On first start: the pool (email as username, createdByCorbado attribute, custom-auth triggers) and a confidential client. */
async function ensurePoolAndClient(
  directory: string,
  call: (target: string, req: object) => Promise<object>,
): Promise<PoolIds> {
  const stateFile = path.join(directory, 'embedded-pool.json');
  if (existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { userPoolId: string; clientId: string };
    const described = (await call('DescribeUserPoolClient', {
      UserPoolId: saved.userPoolId,
      ClientId: saved.clientId,
    }).catch(() => null)) as { UserPoolClient?: { ClientSecret?: string } } | null;
    const clientSecret = described?.UserPoolClient?.ClientSecret;
    if (clientSecret) return { ...saved, clientSecret };
  }
  const created = (await call('CreateUserPool', {
    PoolName: EMBEDDED_POOL_NAME,
    UsernameAttributes: ['email'],
    UsernameConfiguration: { CaseSensitive: false },
    AutoVerifiedAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    Schema: [
      { Name: 'createdByCorbado', AttributeDataType: 'String', Mutable: true },
      { Name: 'corbadoUserId', AttributeDataType: 'String', Mutable: true },
      { Name: 'hasPasskey', AttributeDataType: 'String', Mutable: true },
    ],
    LambdaConfig: TRIGGER_ARNS,
    Policies: {
      PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: false },
    },
  })) as { UserPool: { Id: string } };
  const userPoolId = created.UserPool.Id;
  const client = (await call('CreateUserPoolClient', {
    UserPoolId: userPoolId,
    ClientName: 'cognito-passkeys-app',
    GenerateSecret: true,
    ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    IdTokenValidity: 60,
    AccessTokenValidity: 60,
    RefreshTokenValidity: 30,
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
  })) as { UserPoolClient: { ClientId: string; ClientSecret: string } };
  const ids = { userPoolId, clientId: client.UserPoolClient.ClientId };
  writeFileSync(stateFile, JSON.stringify(ids));
  return { ...ids, clientSecret: client.UserPoolClient.ClientSecret };
}
