/**
 * `npm run users:add -- <email> <password>`: a confirmed password user in the configured pool
 * (a real one, or the embedded one, running or not), to try the existing-password-user path.
 *
 * With the embedded Cognito and no DATA_DIR, the user goes where the running app reads: the
 * data folder whose embedded Cognito is running (`npm run dev` runs one on .data,
 * `npm run dev:connect` on .data/connect). It always says which pool and folder it wrote to.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadEnvConfig } from '@next/env';
import { ConfigError } from '../lib/config';
import { normalizeEmail } from '../lib/email/address';
import { AppError } from '../lib/errors';
import {
  DEFAULT_DATA_DIR,
  dataDirOf,
  embeddedSecrets,
  findRunningInstance,
  runningInstanceVariables,
  startEmbeddedEnvironment,
} from '../embedded-cognito/environment';
import { quietAwsSdkNotices } from './lifecycle.mjs';

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

/**
 * The data folders under .data (itself and its sub-folders) whose embedded Cognito a live process
 * runs now. Only folders that already hold Cognito state are asked, so none is created here.
 */
function runningDataDirs(): string[] {
  if (!existsSync(DEFAULT_DATA_DIR)) return [];
  const candidates = [
    DEFAULT_DATA_DIR,
    ...readdirSync(DEFAULT_DATA_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(DEFAULT_DATA_DIR, entry.name)),
  ];
  return candidates.filter(
    (dir) =>
      existsSync(path.join(dir, 'cognito', 'state', 'running.json')) && findRunningInstance({ DATA_DIR: dir }) !== null,
  );
}

/** DATA_DIR as given, else the one data folder an app runs on; refuses to guess between several. */
function chooseDataDir(): string | undefined {
  if (process.env.DATA_DIR?.trim()) return process.env.DATA_DIR;
  const running = runningDataDirs();
  if (running.length > 1) {
    stop(
      [
        `The embedded Cognito runs on ${running.length} data folders: ${running.join(', ')}.`,
        'Say which app the user is for, e.g.:',
        ...running.map((dir) => `  DATA_DIR=${dir} npm run users:add -- <email> <password>`),
      ].join('\n'),
    );
  }
  return running[0];
}

async function main(): Promise<void> {
  const [rawEmail, password] = process.argv.slice(2);
  const email = normalizeEmail(rawEmail);
  if (!email || !password) stop('usage: npm run users:add -- <email> <password>');
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });

  let close = async () => undefined as void;
  let where = `the user pool ${process.env.COGNITO_USER_POOL_ID ?? ''}`;
  if (process.env.EMBEDDED === '1' || !process.env.COGNITO_USER_POOL_ID) {
    const dataDir = chooseDataDir();
    if (dataDir) process.env.DATA_DIR = dataDir;
    const secrets = embeddedSecrets(process.env, console.log);
    Object.assign(process.env, secrets);
    const running = runningInstanceVariables(process.env);
    const folder = dataDirOf(process.env);
    if (running) {
      Object.assign(process.env, running);
      where = `the embedded Cognito running on ${folder} (pool ${running.COGNITO_USER_POOL_ID})`;
    } else {
      const started = await startEmbeddedEnvironment(process.env, secrets);
      Object.assign(process.env, started.variables);
      close = started.close;
      where =
        `the embedded Cognito of ${folder} (pool ${started.variables.COGNITO_USER_POOL_ID}; no app runs on it now: ` +
        `start it with ${folder === DEFAULT_DATA_DIR ? '`npm run dev`' : `DATA_DIR=${folder} npm run dev`}, ` +
        'or set DATA_DIR to the data folder of the app you mean, e.g. .data/connect for `npm run dev:connect`)';
    }
  }
  // Imported only now: the Cognito client reads the configuration on first use.
  const { createPasswordUser } = await import('../lib/cognito/users');
  try {
    const outcome = await createPasswordUser(email, password);
    console.log(
      outcome === 'created'
        ? `Created ${email} in ${where}; sign in at /login.`
        : `${email} already exists in ${where}; nothing changed.`,
    );
  } finally {
    await close();
  }
}

// The AWS SDK's notices: the Node one is said once, by `npm run dev` / `npm start` (scripts/lifecycle.mjs).
quietAwsSdkNotices(process.env);
main().catch((error: unknown) => {
  if (error instanceof ConfigError) stop(`Configuration error: ${error.message}`);
  const cause = error instanceof AppError ? (error.cause as Error | undefined) : (error as Error);
  stop(`Could not add the user: ${cause?.name ?? 'error'}: ${cause?.message ?? String(error)}`);
});
