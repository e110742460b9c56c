/** `npm run cognito:local`: the embedded Cognito alone, e.g. to point another tool at it. */
import { loadEnvConfig } from '@next/env';
import { embeddedSecrets, startEmbeddedEnvironment } from '../lib/embedded-cognito/environment';

async function main(): Promise<void> {
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });
  const env = { ...process.env };
  const secrets = embeddedSecrets(env, console.log);
  const { cognito, variables } = await startEmbeddedEnvironment(env, secrets);
  console.log(`Embedded Cognito listening at ${cognito.endpoint}. Variables for a client:`);
  for (const [name, value] of Object.entries(variables)) if (name !== 'COGNITO_CLIENT_SECRET') console.log(`${name}=${value}`);
  console.log('COGNITO_CLIENT_SECRET is in the emulator data folder (cognito/clients.json). Ctrl-C stops it.');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void cognito.close().then(() => process.exit(0)));
  }
}

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
main().catch((error: Error) => {
  console.error(`Embedded Cognito did not start: ${error.message}`);
  process.exit(1);
});
