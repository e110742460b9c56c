/**
 * `npm run cognito:local`: the embedded Cognito (and the embedded DynamoDB the app keeps its
 * passkeys in) without the app, e.g. to point another tool at them.
 */
import { loadEnvConfig } from '@next/env';
import { embeddedSecrets, startEmbeddedEnvironment } from '../embedded-cognito/environment';
import { quietAwsSdkNotices } from './lifecycle.mjs';

async function main(): Promise<void> {
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });
  const env = { ...process.env };
  const secrets = embeddedSecrets(env, console.log);
  const { cognito, variables, close } = await startEmbeddedEnvironment(env, secrets);
  const { accessKeyId, secretAccessKey } = cognito.accessKey;
  console.log(`Embedded Cognito listening at ${cognito.endpoint}. Variables for a client:`);
  for (const [name, value] of Object.entries(variables))
    if (name !== 'COGNITO_CLIENT_SECRET') console.log(`${name}=${value}`);
  console.log('COGNITO_CLIENT_SECRET is in the emulator data folder (cognito/clients.json).');
  console.log(
    [
      '',
      'It answers only requests signed (AWS SigV4) with the access key above. For the AWS CLI or an SDK:',
      `  export AWS_REGION=${variables.COGNITO_REGION} AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY='${secretAccessKey}'`,
      `  aws cognito-idp list-users --endpoint-url ${cognito.endpoint} --user-pool-id ${cognito.userPoolId}`,
      'The CLI and the SDKs send public operations (initiate-auth, get-user, ...) unsigned: use the admin',
      'operations (admin-initiate-auth, admin-get-user, ...), or sign every call as lib/cognito/emulator-signing.ts does.',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void close().then(() => process.exit(0)));
  }
}

// The AWS SDK's notices: the Node one is said once, by `npm run dev` / `npm start` (scripts/lifecycle.mjs).
quietAwsSdkNotices(process.env);
main().catch((error: Error) => {
  console.error(`Embedded mode did not start: ${error.message}`);
  process.exit(1);
});
