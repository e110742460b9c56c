/**
 * `npm run users:add -- <email> <password>`: a confirmed password user in the configured pool
 * (a real one, or the embedded one, running or not), to try the existing-password-user path.
 */
import { loadEnvConfig } from '@next/env';
import { ConfigError } from '../lib/config';
import { normalizeEmail } from '../lib/email/address';
import { AppError } from '../lib/http/errors';
import {
  embeddedSecrets,
  runningInstanceVariables,
  startEmbeddedEnvironment,
} from '../lib/embedded-cognito/environment';
import { quietAwsSdkNotices } from './lifecycle.mjs';

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main(): Promise<void> {
  const [rawEmail, password] = process.argv.slice(2);
  const email = normalizeEmail(rawEmail);
  if (!email || !password) stop('usage: npm run users:add -- <email> <password>');
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });

  let close = async () => undefined as void;
  if (process.env.EMBEDDED === '1' || !process.env.COGNITO_USER_POOL_ID) {
    const secrets = embeddedSecrets(process.env, console.log);
    Object.assign(process.env, secrets);
    const running = runningInstanceVariables(process.env);
    if (running) {
      Object.assign(process.env, running);
    } else {
      const started = await startEmbeddedEnvironment(process.env, secrets);
      Object.assign(process.env, started.variables);
      close = started.close;
    }
  }
  // Imported only now: the Cognito client reads the configuration on first use.
  const { createPasswordUser } = await import('../lib/cognito/users');
  try {
    const outcome = await createPasswordUser(email, password);
    console.log(
      outcome === 'created' ? `Created ${email}; sign in at /login.` : `${email} already exists; nothing changed.`,
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
