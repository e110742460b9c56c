import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@/lib/config';
import { configErrorOf } from '../../../support/config-error';

/**
 * TEST_ONLY_SESSION_GATE_OFF lets tests/security/gate-bypass.test.ts prove that the data-access
 * layer holds without middleware.ts. A deployment on a real Cognito pool cannot set it: the
 * configuration refuses to start. (No client can set it either: it is an environment variable,
 * read once with the rest of the configuration.)
 */

type Env = Record<string, string | undefined>;
const KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const common: Env = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'current-session-secret-0123456789abcdef',
  AUTH_CHALLENGE_PRIVATE_KEY: KEY,
  DYNAMODB_TABLE: 'passkeys',
};
const embedded: Env = {
  ...common,
  EMBEDDED: '1',
  COGNITO_USER_POOL_ID: 'local_6yXzbPQd',
  COGNITO_CLIENT_ID: 'abcdefghijklmnopqrstuvwxy',
  COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
  COGNITO_ACCESS_KEY_ID: 'AKIAEMBEDDED0000TEST',
  COGNITO_SECRET_ACCESS_KEY: 'embedded-secret-access-key',
};
const aws: Env = {
  ...common,
  APP_ORIGIN: 'https://app.example.com',
  COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
  COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  SMTP_URL: 'smtps://user:pass@smtp.example.com',
};

describe('TEST_ONLY_SESSION_GATE_OFF', () => {
  it('is off unless set, on a real pool and on the embedded one', () => {
    expect(parseConfig(aws).sessionGateOff).toBe(false);
    expect(parseConfig(embedded).sessionGateOff).toBe(false);
    expect(parseConfig({ ...aws, TEST_ONLY_SESSION_GATE_OFF: '0' }).sessionGateOff).toBe(false);
  });

  it('turns the gate off on the embedded Cognito, and says so at start', () => {
    const config = parseConfig({ ...embedded, TEST_ONLY_SESSION_GATE_OFF: '1' });
    expect(config.sessionGateOff).toBe(true);
    expect(config.warnings).toContain(
      'Warning: TEST_ONLY_SESSION_GATE_OFF=1: middleware checks no sessions (tests only)',
    );
  });

  it('stops a server on a real Cognito pool, in production and in development', () => {
    for (const env of [aws, { ...aws, NODE_ENV: 'development' }]) {
      const error = configErrorOf({ ...env, TEST_ONLY_SESSION_GATE_OFF: '1' });
      expect(error.message).toMatch(/^TEST_ONLY_SESSION_GATE_OFF is for tests on the embedded Cognito only/);
    }
  });

  it('refuses any value but 1 or 0', () => {
    expect(configErrorOf({ ...embedded, TEST_ONLY_SESSION_GATE_OFF: 'yes' }).message).toBe(
      'TEST_ONLY_SESSION_GATE_OFF must be 1 or 0',
    );
  });
});
