import { createServer as createHttpServer, type Server } from 'node:http';
import { appendFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import pino from 'pino';
import { DefaultConfig } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { DateClock, LambdaService, MessagesService, TriggersService, type Services } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { CryptoService } from 'cognito-local/lib/services/crypto';
import { ConsoleMessageSender } from 'cognito-local/lib/services/messageDelivery/consoleMessageSender';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import { otp } from 'cognito-local/lib/services/otp';
import type { Context } from 'cognito-local/lib/services/context';
import { handler as defineAuthChallenge } from '../lambdas/define-auth-challenge';
import { handler as createAuthChallenge } from '../lambdas/create-auth-challenge';
import { createVerifyAuthChallengeHandler } from '../lambdas/verify-auth-challenge';
import { challengeKeySet, type ChallengeKeySet } from '../lib/cognito/challenge/keys';
import {
  APP_CLIENT_NAME,
  APP_CUSTOM_ATTRIBUTE_SCHEMA,
  CUSTOM_AUTH_REQUIREMENTS,
  DEFAULT_REFRESH_TOKEN_DAYS,
  MAX_ID_ACCESS_TOKEN_MINUTES,
  USERNAME_ATTRIBUTES,
} from '../lib/cognito/requirements';
import { AuthFlows } from './auth-flows';
import { WriteBehindDataStoreFactory } from './data-store';
import { CognitoFaults } from './faults';
import { cognitoApi } from './http-api';
import { NativePasskeys } from './native-passkeys';
import { poolAdminTargets } from './pool-admin';
import { enforcePoolRules } from './pool-rules';
import { ensurePrivateDir, tightenDataFolder, writePrivateFile } from './private-files';
import { loadAccessKey, type AccessKey } from './request-signature';
import { TokenIssuer } from './token-issuer';
import { IndexedUserPoolServiceFactory } from './user-pool';

/**
 * The embedded Cognito: cognito-local (pinned) for the user store and admin API, extended
 * in-process with what the app needs and cognito-local lacks (see auth-flows.ts), our own
 * token signing key, and the project's own trigger handlers from lambdas/ run in-process.
 *
 * It runs in the launcher's process (scripts/), never inside the Next.js app: the app talks to
 * it over HTTP exactly as it talks to AWS, and only the app may: every request must carry a SigV4
 * signature by the access key generated into the data folder (request-signature.ts), the pool's
 * rules are enforced (pool-rules.ts), and every file under the data folder is private to the
 * developer's account (private-files.ts). One instance per data folder: cognito-local rewrites
 * its JSON files without locking.
 *
 * Layout of `<dataDir>/cognito`: cognito-local's pool files and clients.json at the top (it
 * takes every other `*.json` there for a pool), the emulator's own files in `state/`.
 */

export interface EmbeddedCognitoOptions {
  /** The app's DATA_DIR; the emulator keeps its files in `<dataDir>/cognito`. */
  dataDir: string;
  /**
   * The verify-auth-challenge trigger's trusted keys: the public half of AUTH_CHALLENGE_PRIVATE_KEY,
   * or a key set (lib/cognito/challenge/keys.ts) while a rotation is under way. One of the two.
   */
  challengePublicKey?: KeyObject;
  challengePublicKeys?: ChallengeKeySet;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * The clock a request's signature date is checked against (ms since the epoch; Date.now by
   * default). Tests that set Date back, so that the emulator issues a token in the past, pass
   * the real clock here: the app signing the request runs on it.
   */
  signatureClock?: () => number;
}

export interface EmbeddedCognito {
  endpoint: string;
  userPoolId: string;
  clientId: string;
  clientSecret: string;
  /** The credentials every request must be signed with (SigV4, service cognito-idp, any region). */
  accessKey: AccessKey;
  /** Requests answered per operation, for tests and benchmarks that count Cognito calls. */
  calls: Map<string, number>;
  /** Fault injection for resilience tests (faults.ts); inert until a rule is added. */
  faults: CognitoFaults;
  /** Replaces the verify trigger's trusted keys, as updating the Lambda's AUTH_CHALLENGE_PUBLIC_KEYS does. */
  setChallengePublicKeys(keys: ChallengeKeySet): void;
  close(): Promise<void>;
}

export const EMBEDDED_POOL_NAME = 'cognito-passkeys';
export const TRIGGER_ARNS = {
  DefineAuthChallenge: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-define-auth-challenge',
  CreateAuthChallenge: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-create-auth-challenge',
  VerifyAuthChallengeResponse: 'arn:aws:lambda:local:000000000000:function:cognito-passkeys-verify-auth-challenge',
};

type Route = (ctx: Context, req: object) => Promise<object>;

/** The emulator's own files, kept beside the pool files by earlier versions (and then listed as pools). */
const STATE_FILES = ['token-signing-key.json', 'refresh-tokens.json', 'embedded-pool.json', 'running.json'];

/** `<dataDir>/cognito/state`, made private, with files an earlier version kept in `<dataDir>/cognito` moved in. */
export function stateDirectory(dataDir: string): string {
  const directory = path.join(dataDir, 'cognito');
  const state = path.join(directory, 'state');
  ensurePrivateDir(dataDir);
  ensurePrivateDir(directory);
  ensurePrivateDir(state);
  for (const name of STATE_FILES) {
    if (existsSync(path.join(directory, name)) && !existsSync(path.join(state, name))) {
      renameSync(path.join(directory, name), path.join(state, name));
    }
  }
  return state;
}

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
  const state = stateDirectory(options.dataDir);
  tightenDataFolder(options.dataDir, directory);
  const accessKey = loadAccessKey(state);
  const logger = pino({ level: options.logLevel ?? 'error' });
  let challengeKeys = trustedChallengeKeys(options);
  const ctx: Context = { logger };
  const clock = new DateClock();
  const dataStores = new WriteBehindDataStoreFactory(directory);
  const cognito = await new CognitoServiceFactoryImpl(
    directory,
    dataStores,
    new IndexedUserPoolServiceFactory(clock, dataStores),
  ).create(ctx, { UsernameAttributes: ['email'] });
  const issuer = await TokenIssuer.open(state);
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
  const passkeys = new NativePasskeys(services, issuer);
  const baseRouter = Router(services);
  const flows = {
    ...passkeys.targets((target) => baseRouter(target) as never),
    ...new AuthFlows(
      services,
      issuer,
      {
        defineAuthChallenge,
        createAuthChallenge,
        verifyAuthChallengeResponse: createVerifyAuthChallengeHandler(
          () => challengeKeys,
          ({ msg, ...entry }) => ('reason' in entry ? logger.warn(entry, msg) : logger.info(entry, msg)),
        ),
      },
      { passkeys, sendEmail: (to, subject, text) => writeToOutbox(options.dataDir, to, subject, text) },
    ).targets(),
    ...poolAdminTargets(services),
  };
  const queue = serialized();
  const calls = new Map<string, number>();
  const router = (target: string): Route => {
    const run = (flows[target] ?? baseRouter(target)) as Route;
    return (requestCtx, req) => {
      calls.set(target, (calls.get(target) ?? 0) + 1);
      return queue(async () => {
        await enforcePoolRules(services, issuer, requestCtx, target, req);
        return run(requestCtx, req);
      });
    };
  };

  const faults = new CognitoFaults();
  const api = cognitoApi({
    route: router,
    ctx,
    accessKey,
    now: options.signatureClock ?? Date.now,
    wellKnown: (poolId, document) =>
      document === 'jwks.json'
        ? { keys: [issuer.publicJwk] }
        : {
            issuer: issuer.issuer(poolId),
            jwks_uri: `${issuer.issuer(poolId)}/.well-known/jwks.json`,
            id_token_signing_alg_values_supported: ['RS256'],
          },
  });
  const server: Server = createHttpServer(faults.around(api));
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
    const pool = await ensurePoolAndClient(state, (target, req) => router(target)(ctx, req));
    return {
      endpoint,
      ...pool,
      accessKey,
      calls,
      faults,
      setChallengePublicKeys: (keys) => {
        challengeKeys = keys;
      },
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

/**
 * Cognito's own emails (the EMAIL_OTP code of USER_AUTH) go where the app's go without SMTP: a
 * line in `<dataDir>/outbox.jsonl` (lib/email/outbox.ts), private to the developer.
 */
function writeToOutbox(dataDir: string, to: string, subject: string, text: string): void {
  const line = JSON.stringify({ at: new Date().toISOString(), to, subject, text, from: 'embedded-cognito' });
  appendFileSync(path.join(dataDir, 'outbox.jsonl'), `${line}\n`, { mode: 0o600 });
}

function trustedChallengeKeys(options: EmbeddedCognitoOptions): ChallengeKeySet {
  if (options.challengePublicKeys && options.challengePublicKey) {
    throw new Error('give the embedded Cognito challengePublicKey or challengePublicKeys, not both');
  }
  if (options.challengePublicKeys) return options.challengePublicKeys;
  if (options.challengePublicKey) return challengeKeySet([options.challengePublicKey]);
  throw new Error('the embedded Cognito needs the challenge public key (challengePublicKey or challengePublicKeys)');
}

interface PoolIds {
  userPoolId: string;
  clientId: string;
  clientSecret: string;
}

/** A pool kept in DATA_DIR by an older version gets the custom attributes added since, as cognito:setup would. */
async function addMissingAttributes(
  userPoolId: string,
  call: (target: string, req: object) => Promise<object>,
): Promise<void> {
  const { UserPool } = (await call('DescribeUserPool', { UserPoolId: userPoolId })) as {
    UserPool: { SchemaAttributes?: { Name?: string }[] };
  };
  const present = new Set(UserPool.SchemaAttributes?.map((attribute) => attribute.Name));
  const missing = APP_CUSTOM_ATTRIBUTE_SCHEMA.filter((attribute) => !present.has(`custom:${attribute.Name}`));
  if (missing.length > 0) await call('AddCustomAttributes', { UserPoolId: userPoolId, CustomAttributes: missing });
}

/** On first start: the pool (email as username, createdByCorbado attribute, custom-auth triggers) and a confidential client. */
async function ensurePoolAndClient(
  stateDir: string,
  call: (target: string, req: object) => Promise<object>,
): Promise<PoolIds> {
  const stateFile = path.join(stateDir, 'embedded-pool.json');
  if (existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { userPoolId: string; clientId: string };
    const described = (await call('DescribeUserPoolClient', {
      UserPoolId: saved.userPoolId,
      ClientId: saved.clientId,
    }).catch(() => null)) as { UserPoolClient?: { ClientSecret?: string } } | null;
    const clientSecret = described?.UserPoolClient?.ClientSecret;
    if (clientSecret) {
      await addMissingAttributes(saved.userPoolId, call);
      return { ...saved, clientSecret };
    }
  }
  const created = (await call('CreateUserPool', {
    PoolName: EMBEDDED_POOL_NAME,
    UsernameAttributes: [...USERNAME_ATTRIBUTES],
    UsernameConfiguration: { CaseSensitive: false },
    AutoVerifiedAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    Schema: APP_CUSTOM_ATTRIBUTE_SCHEMA,
    LambdaConfig: TRIGGER_ARNS,
    Policies: {
      PasswordPolicy: {
        MinimumLength: 8,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
      },
    },
  })) as { UserPool: { Id: string } };
  const userPoolId = created.UserPool.Id;
  const client = (await call('CreateUserPoolClient', {
    UserPoolId: userPoolId,
    ClientName: APP_CLIENT_NAME,
    GenerateSecret: true,
    ExplicitAuthFlows: CUSTOM_AUTH_REQUIREMENTS.authFlows,
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    IdTokenValidity: MAX_ID_ACCESS_TOKEN_MINUTES,
    AccessTokenValidity: MAX_ID_ACCESS_TOKEN_MINUTES,
    RefreshTokenValidity: DEFAULT_REFRESH_TOKEN_DAYS,
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
  })) as { UserPoolClient: { ClientId: string; ClientSecret: string } };
  const ids = { userPoolId, clientId: client.UserPoolClient.ClientId };
  writePrivateFile(stateFile, JSON.stringify(ids));
  return { ...ids, clientSecret: client.UserPoolClient.ClientSecret };
}
