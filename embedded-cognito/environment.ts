import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { signEveryCall } from '../lib/cognito/emulator-signing';
import { refuseOldSqliteStore, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './dynamodb';
import { startEmbeddedCognito, stateDirectory, type EmbeddedCognito } from './index';
import { configureNativePasskeys } from './native-pool';
import { ensurePrivateDir, writePrivateFile } from './private-files';
import { loadAccessKey, type AccessKey } from './request-signature';

/**
 * Everything the launcher does to run the app with no cloud account: development secrets
 * generated once into the data folder, the embedded Cognito and the embedded DynamoDB (the
 * passkey store) started (or, for one-off commands, the Cognito found already running on the
 * same data folder), and the variables the app needs to reach them.
 */

type Env = Record<string, string | undefined>;

export const DEFAULT_DATA_DIR = '.data';
export const DEFAULT_EMULATOR_PORT = 9229;

interface EmbeddedSecrets {
  SESSION_SECRET: string;
  AUTH_CHALLENGE_PRIVATE_KEY: string;
}

interface RunningInstance {
  pid: number;
  endpoint: string;
  userPoolId: string;
  clientId: string;
  /** The embedded DynamoDB's variables (dynamodb.ts), so that one-off commands reach the same store. */
  dynamoDb: Env;
}

export function dataDirOf(env: Env): string {
  return env.DATA_DIR?.trim() || DEFAULT_DATA_DIR;
}

/** Secrets from the environment where set, else generated once into `<dataDir>/secrets.json`. */
export function embeddedSecrets(env: Env, notice: (line: string) => void): EmbeddedSecrets {
  const dataDir = dataDirOf(env);
  const file = path.join(dataDir, 'secrets.json');
  if (!existsSync(file)) {
    ensurePrivateDir(dataDir);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const generated: EmbeddedSecrets = {
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      AUTH_CHALLENGE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    writePrivateFile(file, JSON.stringify(generated, null, 2));
    notice(`Generated local secrets into ${file} (kept for later runs; never use them in production).`);
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedSecrets;
  return {
    SESSION_SECRET: env.SESSION_SECRET?.trim() || stored.SESSION_SECRET,
    AUTH_CHALLENGE_PRIVATE_KEY: env.AUTH_CHALLENGE_PRIVATE_KEY?.trim() || stored.AUTH_CHALLENGE_PRIVATE_KEY,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningFile(env: Env): string {
  return path.join(stateDirectory(dataDirOf(env)), 'running.json');
}

/** The embedded Cognito another process runs on this data folder, if any. */
export function findRunningInstance(env: Env): RunningInstance | null {
  const file = runningFile(env);
  if (!existsSync(file)) return null;
  const instance = JSON.parse(readFileSync(file, 'utf8')) as RunningInstance;
  return isAlive(instance.pid) && instance.pid !== process.pid ? instance : null;
}

function variablesFor(instance: Omit<RunningInstance, 'pid'>, accessKey: AccessKey, clientSecret?: string): Env {
  return {
    ...instance.dynamoDb,
    EMBEDDED: '1',
    COGNITO_REGION: 'us-east-1',
    COGNITO_ENDPOINT: instance.endpoint,
    COGNITO_USER_POOL_ID: instance.userPoolId,
    COGNITO_CLIENT_ID: instance.clientId,
    ...(clientSecret ? { COGNITO_CLIENT_SECRET: clientSecret } : {}),
    // The emulator answers only requests signed with these (request-signature.ts).
    COGNITO_ACCESS_KEY_ID: accessKey.accessKeyId,
    COGNITO_SECRET_ACCESS_KEY: accessKey.secretAccessKey,
  };
}

/**
 * Starts the embedded Cognito and DynamoDB for this data folder and returns them with the
 * variables that point the app at them; `close` stops both. Refuses when another live process
 * already runs them on the same folder, and a folder still holding an earlier version's SQLite
 * passkey store (dynamodb.ts, refuseOldSqliteStore).
 */
export async function startEmbeddedEnvironment(
  env: Env,
  secrets: EmbeddedSecrets,
): Promise<{ cognito: EmbeddedCognito; dynamo: EmbeddedDynamoDb; variables: Env; close(): Promise<void> }> {
  const other = findRunningInstance(env);
  if (other) {
    throw new Error(
      `another process (pid ${other.pid}) already runs the embedded Cognito on ${dataDirOf(env)}; stop it or set DATA_DIR`,
    );
  }
  refuseOldSqliteStore(dataDirOf(env));
  const challengePublicKey = createPublicKey(secrets.AUTH_CHALLENGE_PRIVATE_KEY.replace(/\\n/g, '\n'));
  const port = env.COGNITO_LOCAL_PORT ? Number(env.COGNITO_LOCAL_PORT) : DEFAULT_EMULATOR_PORT;
  const start = (p: number) => startEmbeddedCognito({ dataDir: dataDirOf(env), challengePublicKey, port: p });
  const cognito = await start(port).catch((error: NodeJS.ErrnoException) => {
    // A busy default port is no reason to fail; an explicitly chosen one is.
    if (error.code === 'EADDRINUSE' && !env.COGNITO_LOCAL_PORT) return start(0);
    throw error;
  });
  const dynamo = await startEmbeddedDynamoDb({ dataDir: dataDirOf(env) }).catch(async (error: Error) => {
    await cognito.close();
    throw new Error(`the embedded DynamoDB did not start: ${error.message}`);
  });
  if (env.PASSKEY_LAYER?.trim() === 'cognito-native') {
    // Cognito's own passkeys need the pool set up for them; choosing the layer is the one setting.
    const relyingPartyId = new URL(env.APP_ORIGIN?.trim() || 'http://localhost:3000').hostname;
    const sdk = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: cognito.endpoint,
      ...signEveryCall(cognito.accessKey),
    });
    await configureNativePasskeys(sdk, cognito, relyingPartyId)
      .catch(async (error: Error) => {
        await Promise.all([cognito.close(), dynamo.close()]);
        throw new Error(`the embedded Cognito could not be set up for native passkeys: ${error.message}`);
      })
      .finally(() => sdk.destroy());
  }
  const file = runningFile(env);
  const instance = {
    endpoint: cognito.endpoint,
    userPoolId: cognito.userPoolId,
    clientId: cognito.clientId,
    dynamoDb: dynamo.variables,
  };
  writePrivateFile(file, JSON.stringify({ pid: process.pid, ...instance }));
  const close = async () => {
    rmSync(file, { force: true });
    await Promise.all([cognito.close(), dynamo.close()]);
  };
  return {
    cognito,
    dynamo,
    variables: variablesFor(instance, cognito.accessKey, cognito.clientSecret),
    close,
  };
}

/** Variables pointing at the embedded Cognito another process runs, for one-off admin commands. */
export function runningInstanceVariables(env: Env): Env | null {
  const instance = findRunningInstance(env);
  return instance ? variablesFor(instance, loadAccessKey(stateDirectory(dataDirOf(env)))) : null;
}
