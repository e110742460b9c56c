/**
 * `npm run dev` / `npm start`: validates the configuration, starts the embedded Cognito when no
 * pool is configured (always in development; in production only with EMBEDDED=1), then runs
 * `next dev` / the production server (scripts/next-server.mjs) with the variables that point
 * the app at it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadEnvConfig } from '@next/env';
import { ConfigError, parseConfig } from '../lib/config';
import { embeddedSecrets, startEmbeddedEnvironment } from '../embedded-cognito/environment';
import { DevOutputFilter, localAddressOf } from './dev-output';
import { warmUp } from './dev-warm-up';
import { nodeSupportNotice, quietAwsSdkNotices, shutdownTimeoutMs } from './lifecycle.mjs';

type Env = Record<string, string | undefined>;

/**
 * Stand-ins for the values of the embedded Cognito and DynamoDB, so that every other variable is
 * checked before they start.
 */
const EMULATOR_PLACEHOLDERS = {
  COGNITO_USER_POOL_ID: 'local_placeholder',
  COGNITO_CLIENT_ID: 'placeholder',
  COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
  COGNITO_ACCESS_KEY_ID: 'placeholder',
  COGNITO_SECRET_ACCESS_KEY: 'placeholder',
  DYNAMODB_TABLE: 'placeholder',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
};

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

function checkConfiguration(env: Env): void {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) stop(`Configuration error: ${error.message}`);
    throw error;
  }
}

async function main(): Promise<void> {
  const [command, ...nextArgs] = process.argv.slice(2);
  if (command !== 'dev' && command !== 'start') stop('usage: run.ts dev|start [next options]');
  const dev = command === 'dev';
  loadEnvConfig(process.cwd(), dev, { info: () => undefined, error: console.error });
  const env: Env = { ...process.env, NODE_ENV: dev ? 'development' : 'production' };
  let timeoutMs: number;
  try {
    timeoutMs = shutdownTimeoutMs(env.SHUTDOWN_TIMEOUT_SECONDS);
  } catch (error) {
    stop(`Configuration error: ${(error as Error).message}`);
  }

  const poolConfigured = Boolean(env.COGNITO_USER_POOL_ID?.trim());
  const embedded = env.EMBEDDED === '1' || (dev && !poolConfigured);
  if (!embedded && !poolConfigured) {
    stop(
      'Configuration error: COGNITO_USER_POOL_ID is missing: a production server needs a Cognito pool ' +
        '(or set EMBEDDED=1 to run on the embedded Cognito)',
    );
  }

  let closeEmulator = async () => undefined as void;
  if (embedded) {
    console.log(
      `Embedded mode: running on the embedded Cognito emulator with ${env.CORBADO_PROJECT_ID?.trim() ? 'Corbado as the passkey layer' : env.PASSKEY_LAYER?.trim() === 'cognito-native' ? "Cognito's own passkeys" : 'self-hosted passkeys'}; no AWS account is used.`,
    );
    const secrets = embeddedSecrets(env, console.log);
    Object.assign(env, secrets);
    checkConfiguration({ ...env, ...EMULATOR_PLACEHOLDERS, EMBEDDED: '1' });
    const started = await startEmbeddedEnvironment(env, secrets).catch((error: Error) =>
      stop(`Embedded mode did not start: ${error.message}`),
    );
    Object.assign(env, started.variables);
    closeEmulator = started.close;
    console.log(
      `Embedded Cognito at ${started.cognito.endpoint} (pool ${started.cognito.userPoolId}), passkeys in the embedded DynamoDB at ${started.dynamo.endpoint}.`,
    );
  }
  checkConfiguration(env);

  const notice = nodeSupportNotice(process.version);
  if (notice) console.warn(notice);

  // Production runs Next behind our own server, which records the peer address (next-server.mjs).
  // Development runs Turbopack (docs/BENCHMARKS.md, "First run").
  const server = dev
    ? [require.resolve('next/dist/bin/next'), 'dev', '--turbopack']
    : [path.join(__dirname, 'next-server.mjs')];
  if (dev) {
    console.log('Compiling the first pages before giving the address, so that no click waits on a compile…');
    // Piped through the launcher (devOutput), so keep Next's colours where the terminal has them.
    if (process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR ??= '1';
  }
  // Its own process group: a Ctrl-C in the terminal reaches the launcher only, which passes it
  // on once (the server takes a second signal as "stop now"), and can end the whole group.
  const child = spawn(process.execPath, [...server, ...nextArgs], {
    env: env as NodeJS.ProcessEnv,
    stdio: dev ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    detached: true,
  });
  if (dev) {
    // Next prints its warnings on stderr: both streams go through the filter.
    devOutput(child.stdout!, process.stdout, true);
    devOutput(child.stderr!, process.stderr, false);
  }
  const killGroup = () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  process.on('exit', killGroup);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      child.kill(signal);
      // The server keeps its own deadline; this one covers `next dev` and a server that ignores it.
      setTimeout(() => process.exit(1), timeoutMs + 2000).unref();
    });
  }
  child.on('exit', async (code, signal) => {
    await closeEmulator();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

/**
 * Passes one of Next's dev output streams on to `to` through DevOutputFilter. On stdout, once
 * Next has given its address, compiles the first pages (dev-warm-up.ts), then gives the address
 * to open, once.
 */
function devOutput(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, warmsUp: boolean): void {
  let pending = '';
  let warming = !warmsUp;
  const filter = new DevOutputFilter();
  from.setEncoding('utf8');
  from.on('end', () => filter.flush().forEach((line) => to.write(`${line}\n`)));
  from.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const address = localAddressOf(line);
      if (address && !warming) {
        warming = true;
        const started = performance.now();
        void warmUp(address).then(() =>
          console.log(
            `Ready: open ${address}/login (first pages compiled in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
          ),
        );
      }
      for (const shown of filter.push(line)) to.write(`${shown}\n`);
    }
  });
}

// Here and in every child; the launcher prints the Node notice once, before it starts the server.
quietAwsSdkNotices(process.env);
main().catch((error: Error) => stop(`Start-up failed: ${error.message}`));
