import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { signEveryCall } from '../../lib/cognito/emulator-signing';
import { startEmbeddedCognito, type EmbeddedCognito } from '../../embedded-cognito';
import type { AccessKey } from '../../embedded-cognito/request-signature';
import { startTestDynamoDb, type TestDynamoDb } from './dynalite';
import { PortTakenError, startOnFreePort } from './free-port';

export { PortTakenError, startOnFreePort };

/**
 * The real things the tests run against: the embedded Cognito over real HTTP on a random port,
 * with a fresh data folder and fresh keys, the embedded DynamoDB (in memory) for the passkey
 * store, and (for HTTP tests) the production Next server.
 */

export interface TestCognito {
  cognito: EmbeddedCognito;
  /** The passkey store's table, as the launcher's embedded DynamoDB gives it (in memory here). */
  dynamo: TestDynamoDb;
  /** The app's environment for this emulator: what the launcher would pass to Next. */
  env: Record<string, string>;
  /** An SDK client for the emulator with its credentials, as an admin tool would use it. */
  sdk: CognitoIdentityProviderClient;
  dataDir: string;
  stop(): Promise<void>;
}

export function challengeKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * Wall-clock time that vi.setSystemTime does not move: tests set Date back to have the emulator
 * issue tokens in the past, while the app server signs its calls with the real clock.
 */
const realClock = () => performance.timeOrigin + performance.now();

export async function startTestCognito(options: { appPort?: number } = {}): Promise<TestCognito> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-test-'));
  const { privateKey, publicKey } = challengeKeyPair();
  const [cognito, dynamo] = await Promise.all([
    startEmbeddedCognito({
      dataDir,
      challengePublicKey: publicKey,
      port: 0,
      signatureClock: realClock,
    }),
    startTestDynamoDb(),
  ]);
  const appPort = options.appPort ?? 3000;
  const env: Record<string, string> = {
    ...dynamo.env,
    EMBEDDED: '1',
    DATA_DIR: dataDir,
    APP_ORIGIN: `http://localhost:${appPort}`,
    COGNITO_REGION: 'us-east-1',
    COGNITO_ENDPOINT: cognito.endpoint,
    COGNITO_USER_POOL_ID: cognito.userPoolId,
    COGNITO_CLIENT_ID: cognito.clientId,
    COGNITO_CLIENT_SECRET: cognito.clientSecret,
    COGNITO_ACCESS_KEY_ID: cognito.accessKey.accessKeyId,
    COGNITO_SECRET_ACCESS_KEY: cognito.accessKey.secretAccessKey,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_CHALLENGE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  return withAdminClient(cognito, dynamo, env, dataDir);
}

/**
 * An SDK client for the emulator at `endpoint`, signing every call with its access key, as an
 * admin tool would use it; one attempt unless told.
 */
export function adminClient(endpoint: string, accessKey: AccessKey, maxAttempts = 1): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, ...signEveryCall(accessKey), maxAttempts });
}

function withAdminClient(
  cognito: EmbeddedCognito,
  dynamo: TestDynamoDb,
  env: Record<string, string>,
  dataDir: string,
): TestCognito {
  const sdk = adminClient(cognito.endpoint, cognito.accessKey);
  return {
    cognito,
    dynamo,
    env,
    sdk,
    dataDir,
    async stop() {
      sdk.destroy();
      await Promise.all([cognito.close(), dynamo.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The same data folder, keys, pool and client on a new emulator instance (a new port), as after
 * a restart of `npm run cognito:local`, with the same passkey table. Close the old instance first.
 */
export async function restartTestCognito(stack: TestCognito): Promise<TestCognito> {
  stack.sdk.destroy();
  const cognito = await startEmbeddedCognito({
    dataDir: stack.dataDir,
    challengePublicKey: createPublicKey(stack.env.AUTH_CHALLENGE_PRIVATE_KEY!),
    port: 0,
    signatureClock: realClock,
  });
  return withAdminClient(cognito, stack.dynamo, { ...stack.env, COGNITO_ENDPOINT: cognito.endpoint }, stack.dataDir);
}

/** An environment for a child process with nothing inherited but PATH and HOME. */
export function isolatedEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...vars } as unknown as NodeJS.ProcessEnv;
}

/** Points this test file's in-process app modules (lib/) at the emulator. Call before importing them. */
export function applyAppEnvironment(env: Record<string, string>): void {
  Object.assign(process.env, env);
}

export interface TestApp extends TestCognito {
  baseUrl: string;
  server: ChildProcess;
  /** Everything the server printed so far (its structured logs), for assertions and failures. */
  output(): string;
}

export interface NextServer {
  baseUrl: string;
  server: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The production Next server exactly as `npm start` runs it (scripts/next-server.mjs, after the
 * launcher's checks) on `port`, with `env` on top of this process's; resolves once it serves
 * /api/health/live. Throws PortTakenError when another process bound `port` first (for
 * startOnFreePort to try another).
 */
export async function startNextServer(port: number, env: Record<string, string>): Promise<NextServer> {
  const server = spawn(process.execPath, [path.resolve('scripts/next-server.mjs'), '-p', String(port)], {
    env: { ...process.env, ...env, NODE_ENV: 'production', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout?.on('data', (chunk) => (output += chunk));
  server.stderr?.on('data', (chunk) => (output += chunk));
  const baseUrl = `http://localhost:${port}`;
  const stop = async () => {
    // A test may have stopped the server itself (tests/http/shutdown.test.ts).
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  };
  await untilServing(server, () => output, `${baseUrl}/api/health/live`, 'next start', stop);
  return { baseUrl, server, output: () => output, stop };
}

/**
 * Resolves once `child` has said it listens (a "Ready" line: Next's own and scripts/next-server.mjs
 * print one once bound) and `url` answers 2xx. The line keeps another process that took the port
 * first, and answers there, from passing for `child`. When `child` exits having lost its port,
 * throws PortTakenError; on any other failure, stops it and throws.
 */
export async function untilServing(
  child: ChildProcess,
  output: () => string,
  url: string,
  name: string,
  stop: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (/EADDRINUSE/.test(output())) throw new PortTakenError(`${name} lost its port: ${output()}`);
      throw new Error(`${name} exited: ${output()}`);
    }
    const ready =
      /\bReady\b/.test(output()) &&
      (await fetch(url).then(
        (r) => r.ok,
        () => false,
      ));
    if (ready) return;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not become ready: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The production Next server on a random port (or `port`, when a stand-in must know the app's
 * origin first: then its loss is a PortTakenError for the caller's startOnFreePort), on a fresh
 * embedded Cognito.
 */
export async function startTestApp(
  extraEnv: Record<string, string> = {},
  options: { port?: number } = {},
): Promise<TestApp> {
  const stack = await startTestCognito({ appPort: options.port });
  const startOn = (port: number) => {
    stack.env.APP_ORIGIN = `http://localhost:${port}`;
    return startNextServer(port, { ...stack.env, ...extraEnv });
  };
  let next: NextServer;
  try {
    next = options.port === undefined ? await startOnFreePort(startOn) : await startOn(options.port);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return {
    ...stack,
    baseUrl: next.baseUrl,
    server: next.server,
    output: next.output,
    async stop() {
      await next.stop();
      await stack.stop();
    },
  };
}

/**
 * Changes the app client's ID token lifetime. Like AWS, the emulator's UpdateUserPoolClient
 * resets every field a request leaves out, so the whole client is sent back.
 */
export async function setIdTokenLifetime(
  stack: Pick<TestCognito, 'sdk'> & { cognito: Pick<EmbeddedCognito, 'userPoolId' | 'clientId'> },
  value: number,
  unit: 'seconds' | 'minutes',
): Promise<void> {
  const { UserPoolClient: client } = await stack.sdk.send(
    new DescribeUserPoolClientCommand({ UserPoolId: stack.cognito.userPoolId, ClientId: stack.cognito.clientId }),
  );
  await stack.sdk.send(
    new UpdateUserPoolClientCommand({
      UserPoolId: stack.cognito.userPoolId,
      ClientId: stack.cognito.clientId,
      ClientName: client?.ClientName,
      ExplicitAuthFlows: client?.ExplicitAuthFlows,
      PreventUserExistenceErrors: client?.PreventUserExistenceErrors,
      EnableTokenRevocation: client?.EnableTokenRevocation,
      AccessTokenValidity: client?.AccessTokenValidity,
      RefreshTokenValidity: client?.RefreshTokenValidity,
      IdTokenValidity: value,
      TokenValidityUnits: { ...client?.TokenValidityUnits, IdToken: unit },
    }),
  );
}
