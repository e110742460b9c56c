import { generateKeyPairSync } from 'node:crypto';
import { afterAll, vi } from 'vitest';

/**
 * For unit tests of modules that read the app's configuration (getConfig(), parsed once per
 * module graph): `withEnvironment(env)` sets a minimal valid configuration plus `env`, drops
 * every other variable the app reads, and resets the module graph, so the next dynamic
 * import parses this environment. The test file's environment is restored after it.
 */

const APP_VARIABLE =
  /^(APP_ORIGIN|PORT|EMBEDDED|DATA_DIR|VERCEL|PASSKEY_LAYER|RELYING_PARTY_NAME|EMAIL_FROM|SMTP_URL|REDIS_URL|COGNITO_|CORBADO_|SESSION_|AUTH_CHALLENGE_|DYNAMODB_)/;

export const BASE_ENVIRONMENT = {
  APP_ORIGIN: 'https://app.example.com',
  COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
  COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  DYNAMODB_TABLE: 'cognito-passkeys-unit',
  SESSION_SECRET: 'session-secret-A-0123456789abcdefghijklmnop',
  AUTH_CHALLENGE_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};

const saved = { ...process.env };
afterAll(() => {
  for (const name of Object.keys(process.env)) if (APP_VARIABLE.test(name)) delete process.env[name];
  for (const [name, value] of Object.entries(saved)) if (APP_VARIABLE.test(name)) process.env[name] = value;
});

export function withEnvironment(env: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (APP_VARIABLE.test(name)) delete process.env[name];
  Object.assign(process.env, BASE_ENVIRONMENT, env);
  vi.resetModules();
}
