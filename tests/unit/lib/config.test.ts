import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@/lib/config';
import { configErrorOf } from '../../support/config-error';

type Env = Record<string, string | undefined>;

const pem = (key: { export(options: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();
const P256_KEY = pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
const P384_KEY = pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey);
const RSA_KEY = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const ED25519_KEY = pem(generateKeyPairSync('ed25519').privateKey);

const SECRET = 'current-session-secret-0123456789abcdef';
const OLD_SECRET = 'previous-session-secret-0123456789abcdef';
/** Put into every offending value, so a message that echoes the value is caught. */
const CANARY = 'Zq7CANARYvalueXy9';

function awsEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'production',
    APP_ORIGIN: 'https://app.example.com',
    COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
    COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
    COGNITO_CLIENT_SECRET: 'client-secret-value',
    CORBADO_PROJECT_ID: 'pro-1234567890',
    CORBADO_API_SECRET: 'corbado1_abcdefghijklmnopqrstuvwxyz',
    CORBADO_WEBHOOK_USERNAME: 'webhook',
    CORBADO_WEBHOOK_PASSWORD: 'webhook-password-0123456789',
    SESSION_SECRET: SECRET,
    AUTH_CHALLENGE_PRIVATE_KEY: P256_KEY,
    // Connect's email codes live in the passkey store: a production setup shares one and mails them.
    DYNAMODB_TABLE: 'passkeys',
    SMTP_URL: 'smtps://user:pass@smtp.example.com',
    ...overrides,
  };
}

function embeddedEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'production',
    EMBEDDED: '1',
    COGNITO_USER_POOL_ID: 'local_6yXzbPQd',
    COGNITO_CLIENT_ID: 'abcdefghijklmnopqrstuvwxy',
    COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
    COGNITO_ACCESS_KEY_ID: 'AKIAEMBEDDED0000TEST',
    COGNITO_SECRET_ACCESS_KEY: 'embedded-secret-access-key',
    // The launcher's embedded DynamoDB (embedded-cognito/dynamodb.ts).
    DYNAMODB_TABLE: 'cognito-passkeys',
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:45678',
    SESSION_SECRET: SECRET,
    AUTH_CHALLENGE_PRIVATE_KEY: P256_KEY,
    ...overrides,
  };
}

describe('parseConfig: valid environments', () => {
  it('parses a complete AWS + Corbado environment', () => {
    const config = parseConfig(awsEnv());
    expect(config.embedded).toBe(false);
    expect(config.production).toBe(true);
    expect(config.appOrigin).toBe('https://app.example.com');
    expect(config.dataDir).toBe('.data');
    expect(config.cognito).toEqual({
      region: 'eu-central-1',
      userPoolId: 'eu-central-1_AbCdEf123',
      clientId: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
      clientSecret: 'client-secret-value',
      endpoint: null,
      endpointCredentials: null,
      issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf123',
    });
    expect(config.corbado).toEqual({
      mode: 'connect',
      projectId: 'pro-1234567890',
      apiSecret: 'corbado1_abcdefghijklmnopqrstuvwxyz',
      frontendApi: 'https://pro-1234567890.frontendapi.corbado.io',
      backendApi: 'https://backendapi.cloud.corbado.io',
      frontendApiUrlSuffix: 'frontendapi.corbado.io',
      actionsSecret: null,
    });
    expect(config.webhook).toEqual({ username: 'webhook', password: 'webhook-password-0123456789' });
    expect(Object.values(config.session.sealWith)).toEqual([SECRET]);
    expect(Object.values(config.session.openWith)).toEqual([SECRET]);
    expect(config.session.idleTimeoutSeconds).toBe(12 * 3600);
    expect(config.session.absoluteTimeoutSeconds).toBe(7 * 24 * 3600);
    expect(config.authChallenge.privateKey.asymmetricKeyType).toBe('ec');
    expect(config.authChallenge.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('parses a complete embedded environment (production server with EMBEDDED=1 and no APP_ORIGIN)', () => {
    const config = parseConfig(embeddedEnv({ PORT: '4123' }));
    expect(config.embedded).toBe(true);
    expect(config.appOrigin).toBe('http://localhost:4123');
    expect(config.corbado).toBeNull();
    expect(config.webhook).toBeNull();
    expect(config.cognito).toEqual({
      region: 'us-east-1',
      userPoolId: 'local_6yXzbPQd',
      clientId: 'abcdefghijklmnopqrstuvwxy',
      clientSecret: null,
      endpoint: 'http://127.0.0.1:9229',
      endpointCredentials: { accessKeyId: 'AKIAEMBEDDED0000TEST', secretAccessKey: 'embedded-secret-access-key' },
      issuer: 'http://127.0.0.1:9229/local_6yXzbPQd',
    });
  });

  it('defaults APP_ORIGIN to http://localhost:3000 outside production', () => {
    expect(parseConfig(awsEnv({ NODE_ENV: 'development', APP_ORIGIN: undefined })).appOrigin).toBe(
      'http://localhost:3000',
    );
  });

  it.each([
    ['eu-central-1_AbCdEf123', 'eu-central-1'],
    ['us-east-1_X1', 'us-east-1'],
    ['ap-southeast-2_Zz9', 'ap-southeast-2'],
    ['us-gov-west-1_Abc', 'us-gov-west-1'],
  ])('derives the region of pool %s as %s and the AWS issuer from it', (userPoolId, region) => {
    const { cognito } = parseConfig(awsEnv({ COGNITO_USER_POOL_ID: userPoolId }));
    expect(cognito.region).toBe(region);
    expect(cognito.issuer).toBe(`https://cognito-idp.${region}.amazonaws.com/${userPoolId}`);
  });

  it('accepts an explicit COGNITO_REGION that matches the pool', () => {
    expect(parseConfig(awsEnv({ COGNITO_REGION: 'eu-central-1' })).cognito.region).toBe('eu-central-1');
  });

  it.each([
    ['http://127.0.0.1:9229', 'http://127.0.0.1:9229/eu-central-1_AbCdEf123'],
    ['http://127.0.0.1:9229/', 'http://127.0.0.1:9229/eu-central-1_AbCdEf123'],
    ['https://cognito.internal.example', 'https://cognito.internal.example/eu-central-1_AbCdEf123'],
  ])('builds the issuer from COGNITO_ENDPOINT %s as %s', (endpoint, issuer) => {
    const { cognito } = parseConfig(awsEnv({ COGNITO_ENDPOINT: endpoint }));
    expect(cognito.endpoint).toBe(endpoint.replace(/\/$/, ''));
    expect(cognito.issuer).toBe(issuer);
  });

  it('accepts a private key given with literal \\n escapes (as in a one-line .env value)', () => {
    const escaped = P256_KEY.trim().replace(/\n/g, '\\n');
    expect(escaped).not.toContain('\n');
    const config = parseConfig(awsEnv({ AUTH_CHALLENGE_PRIVATE_KEY: escaped }));
    expect(config.authChallenge.publicKeyPem).toBe(parseConfig(awsEnv()).authChallenge.publicKeyPem);
  });

  it.each([
    ['CORBADO_FRONTEND_API', 'https://frontend.example.com/', 'frontendApi', 'https://frontend.example.com'],
    ['CORBADO_FRONTEND_API', 'http://127.0.0.1:8081//', 'frontendApi', 'http://127.0.0.1:8081'],
    ['CORBADO_BACKEND_API', 'https://backend.example.com/', 'backendApi', 'https://backend.example.com'],
  ] as const)('normalizes %s %s to no trailing slash', (variable, value, field, expected) => {
    const { corbado } = parseConfig(awsEnv({ CORBADO_MODE: 'complete', [variable]: value }));
    expect(corbado?.[field]).toBe(expected);
  });

  it('opens with SESSION_SECRET and every SESSION_SECRET_PREVIOUS but seals with SESSION_SECRET only', () => {
    const third = 'third-session-secret-0123456789abcdef';
    const { session } = parseConfig(awsEnv({ SESSION_SECRET_PREVIOUS: ` ${OLD_SECRET} , ${third} ` }));
    expect(Object.values(session.sealWith)).toEqual([SECRET]);
    expect(Object.values(session.openWith).sort()).toEqual([SECRET, OLD_SECRET, third].sort());
  });

  it('gives each session secret the same id whatever the order of SESSION_SECRET_PREVIOUS', () => {
    const third = 'third-session-secret-0123456789abcdef';
    const a = parseConfig(awsEnv({ SESSION_SECRET_PREVIOUS: `${OLD_SECRET},${third}` })).session.openWith;
    const b = parseConfig(awsEnv({ SESSION_SECRET_PREVIOUS: `${third},${OLD_SECRET}` })).session.openWith;
    expect(a).toEqual(b);
    expect(Object.keys(a)).toHaveLength(3);
  });

  it('keeps the id of a secret when it moves from SESSION_SECRET to SESSION_SECRET_PREVIOUS (rotation)', () => {
    const before = parseConfig(awsEnv({ SESSION_SECRET: OLD_SECRET })).session.sealWith;
    const after = parseConfig(awsEnv({ SESSION_SECRET: SECRET, SESSION_SECRET_PREVIOUS: OLD_SECRET })).session;
    const [[id, secret]] = Object.entries(before) as [[string, string]];
    expect(after.openWith[id]).toBe(secret);
    expect(Object.keys(after.sealWith)).not.toContain(id);
  });

  it('reads the session timeouts', () => {
    const { session } = parseConfig(
      awsEnv({ SESSION_IDLE_TIMEOUT_SECONDS: '900', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '86400' }),
    );
    expect(session.idleTimeoutSeconds).toBe(900);
    expect(session.absoluteTimeoutSeconds).toBe(86400);
  });
});

describe('parseConfig: Corbado modes', () => {
  const ACTIONS_SECRET = 'actions-secret-0123456789abcdefghijklmnop';

  it('is Corbado Connect by default, with the Frontend API suffix derived from CORBADO_FRONTEND_API', () => {
    const { corbado } = parseConfig(
      awsEnv({
        CORBADO_FRONTEND_API: 'https://pro-1234567890.frontendapi.test:8443/',
        CORBADO_ACTIONS_SECRET: ACTIONS_SECRET,
      }),
    );
    expect(corbado).toMatchObject({
      mode: 'connect',
      frontendApi: 'https://pro-1234567890.frontendapi.test:8443',
      frontendApiUrlSuffix: 'frontendapi.test:8443',
      actionsSecret: ACTIONS_SECRET,
    });
  });

  it('takes the suffix from CORBADO_FRONTEND_API_URL_SUFFIX and builds the Frontend API from it', () => {
    const { corbado } = parseConfig(awsEnv({ CORBADO_FRONTEND_API_URL_SUFFIX: 'Auth.Example.com' }));
    expect(corbado).toMatchObject({
      frontendApiUrlSuffix: 'auth.example.com',
      frontendApi: 'https://pro-1234567890.auth.example.com',
    });
  });

  it('is Corbado Complete (legacy) only when CORBADO_MODE=complete says so', () => {
    const { corbado } = parseConfig(awsEnv({ CORBADO_MODE: 'complete' }));
    expect(corbado).toMatchObject({
      mode: 'complete',
      frontendApi: 'https://pro-1234567890.frontendapi.cloud.corbado.io',
      actionsSecret: null,
    });
  });

  it.each([
    ['CORBADO_MODE', { CORBADO_MODE: `connected${CANARY}` }],
    ['CORBADO_ACTIONS_SECRET', { CORBADO_ACTIONS_SECRET: `short${CANARY}` }],
    ['CORBADO_ACTIONS_SECRET', { CORBADO_MODE: 'complete', CORBADO_ACTIONS_SECRET: `${ACTIONS_SECRET}${CANARY}` }],
    ['CORBADO_FRONTEND_API_URL_SUFFIX', { CORBADO_FRONTEND_API: `https://frontend${CANARY}.example.com` }],
    ['CORBADO_FRONTEND_API_URL_SUFFIX', { CORBADO_FRONTEND_API: `http://pro-1234567890.${CANARY}.example.com` }],
    ['CORBADO_FRONTEND_API_URL_SUFFIX', { CORBADO_FRONTEND_API_URL_SUFFIX: `https://${CANARY}.example.com/path` }],
  ])('refuses a bad %s, naming it without its value', (variable, overrides) => {
    const error = configErrorOf(awsEnv(overrides));
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain(CANARY);
  });
});

describe('parseConfig: missing or malformed values', () => {
  it.each<[string, string, Env]>([
    ['COGNITO_USER_POOL_ID', 'missing', { COGNITO_USER_POOL_ID: undefined }],
    ['COGNITO_USER_POOL_ID', 'blank', { COGNITO_USER_POOL_ID: '   ' }],
    ['COGNITO_USER_POOL_ID', 'malformed (no region prefix)', { COGNITO_USER_POOL_ID: CANARY }],
    ['COGNITO_USER_POOL_ID', 'malformed (bad characters)', { COGNITO_USER_POOL_ID: `eu-central-1_${CANARY}!` }],
    ['COGNITO_CLIENT_ID', 'missing', { COGNITO_CLIENT_ID: undefined }],
    ['COGNITO_CLIENT_ID', 'malformed', { COGNITO_CLIENT_ID: `${CANARY}-Client!` }],
    ['COGNITO_REGION', 'malformed', { COGNITO_REGION: `${CANARY}-1` }],
    ['COGNITO_REGION', 'another region than the pool id names', { COGNITO_REGION: 'eu-west-1' }],
    ['COGNITO_ENDPOINT', 'a URL with a path', { COGNITO_ENDPOINT: `http://127.0.0.1:9229/${CANARY}` }],
    ['COGNITO_ENDPOINT', 'not a URL', { COGNITO_ENDPOINT: `not a url ${CANARY}` }],
    [
      'COGNITO_ACCESS_KEY_ID',
      'set without COGNITO_ENDPOINT',
      { COGNITO_ACCESS_KEY_ID: `AKIA${CANARY}`, COGNITO_SECRET_ACCESS_KEY: CANARY },
    ],
    ['APP_ORIGIN', 'a URL with a path', { APP_ORIGIN: `https://app.example.com/${CANARY}` }],
    ['APP_ORIGIN', 'a URL with a query', { APP_ORIGIN: `https://app.example.com?${CANARY}` }],
    ['APP_ORIGIN', 'a URL with credentials', { APP_ORIGIN: `https://${CANARY}@app.example.com` }],
    ['APP_ORIGIN', 'not a URL', { APP_ORIGIN: `app.example.com ${CANARY}` }],
    ['APP_ORIGIN', 'not http(s)', { APP_ORIGIN: `ftp://${CANARY}.example.com` }],
    ['APP_ORIGIN', 'missing in production without EMBEDDED', { APP_ORIGIN: undefined }],
    ['APP_ORIGIN', 'missing in production with EMBEDDED=0', { APP_ORIGIN: undefined, EMBEDDED: '0' }],
    ['SESSION_SECRET', 'missing', { SESSION_SECRET: undefined }],
    ['SESSION_SECRET', 'shorter than 32 characters', { SESSION_SECRET: `${CANARY}-short-secret` }],
    ['SESSION_SECRET_PREVIOUS', 'listing a short entry', { SESSION_SECRET_PREVIOUS: `${OLD_SECRET},${CANARY}` }],
    ['AUTH_CHALLENGE_PRIVATE_KEY', 'missing', { AUTH_CHALLENGE_PRIVATE_KEY: undefined }],
    [
      'AUTH_CHALLENGE_PRIVATE_KEY',
      'garbage',
      { AUTH_CHALLENGE_PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\n${CANARY}\n-----END PRIVATE KEY-----` },
    ],
    ['AUTH_CHALLENGE_PRIVATE_KEY', 'not PEM at all', { AUTH_CHALLENGE_PRIVATE_KEY: CANARY }],
    ['AUTH_CHALLENGE_PRIVATE_KEY', 'an RSA key', { AUTH_CHALLENGE_PRIVATE_KEY: RSA_KEY }],
    ['AUTH_CHALLENGE_PRIVATE_KEY', 'a P-384 key', { AUTH_CHALLENGE_PRIVATE_KEY: P384_KEY }],
    ['AUTH_CHALLENGE_PRIVATE_KEY', 'an Ed25519 key', { AUTH_CHALLENGE_PRIVATE_KEY: ED25519_KEY }],
    ['EMBEDDED', 'yes', { EMBEDDED: 'yes' }],
    ['EMBEDDED', 'true', { EMBEDDED: 'true' }],
    ['CORBADO_PROJECT_ID', 'malformed', { CORBADO_PROJECT_ID: CANARY }],
    ['CORBADO_API_SECRET', 'missing while CORBADO_PROJECT_ID is set', { CORBADO_API_SECRET: undefined }],
    ['CORBADO_API_SECRET', 'malformed', { CORBADO_API_SECRET: CANARY }],
    ['CORBADO_FRONTEND_API', 'a URL with a path', { CORBADO_FRONTEND_API: `https://frontend.example.com/${CANARY}` }],
    ['CORBADO_BACKEND_API', 'a URL with a path', { CORBADO_BACKEND_API: `https://backend.example.com/${CANARY}/` }],
    ['CORBADO_WEBHOOK_PASSWORD', 'missing while the webhook username is set', { CORBADO_WEBHOOK_PASSWORD: undefined }],
    ['CORBADO_WEBHOOK_USERNAME', 'missing while the webhook password is set', { CORBADO_WEBHOOK_USERNAME: undefined }],
    ['CORBADO_WEBHOOK_PASSWORD', 'under 16 characters', { CORBADO_WEBHOOK_PASSWORD: CANARY.slice(0, 15) }],
    ['SESSION_IDLE_TIMEOUT_SECONDS', 'not a number', { SESSION_IDLE_TIMEOUT_SECONDS: `12h${CANARY}` }],
    ['SESSION_IDLE_TIMEOUT_SECONDS', 'a fraction', { SESSION_IDLE_TIMEOUT_SECONDS: '90.5' }],
    ['SESSION_IDLE_TIMEOUT_SECONDS', 'below the minimum', { SESSION_IDLE_TIMEOUT_SECONDS: '59' }],
    ['SESSION_ABSOLUTE_TIMEOUT_SECONDS', 'not a number', { SESSION_ABSOLUTE_TIMEOUT_SECONDS: `${CANARY}` }],
  ])('rejects %s when %s, naming the variable and never echoing the value', (variable, _what, overrides) => {
    const error = configErrorOf(awsEnv(overrides));
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message).not.toContain(CANARY);
    expect(error.stack ?? '').not.toContain(CANARY);
    for (const value of Object.values(overrides)) {
      if (value && value.trim().length >= 4) expect(error.message).not.toContain(value.trim());
    }
  });

  it.each<[string, Env]>([
    ['COGNITO_USER_POOL_ID', { COGNITO_USER_POOL_ID: undefined }],
    ['COGNITO_ENDPOINT', { COGNITO_ENDPOINT: `http://127.0.0.1:9229/${CANARY}` }],
    ['COGNITO_ACCESS_KEY_ID', { COGNITO_ACCESS_KEY_ID: undefined, COGNITO_SECRET_ACCESS_KEY: undefined }],
    ['COGNITO_SECRET_ACCESS_KEY', { COGNITO_SECRET_ACCESS_KEY: undefined }],
    ['SESSION_SECRET', { SESSION_SECRET: CANARY }],
    ['AUTH_CHALLENGE_PRIVATE_KEY', { AUTH_CHALLENGE_PRIVATE_KEY: RSA_KEY }],
  ])('rejects %s in the embedded variant too', (variable, overrides) => {
    const error = configErrorOf(embeddedEnv(overrides));
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain(CANARY);
  });

  it('never echoes a short SESSION_SECRET, even a distinctive one', () => {
    const secret = 'sk_live_9f8e7d6c5b4a';
    const error = configErrorOf(awsEnv({ SESSION_SECRET: secret }));
    expect(error.variable).toBe('SESSION_SECRET');
    expect(`${error.message}\n${error.stack}`).not.toContain(secret);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret);
  });

  it('names ConfigError in its error name (one clear line at start-up)', () => {
    const error = configErrorOf(awsEnv({ COGNITO_CLIENT_ID: undefined }));
    expect(error.name).toBe('ConfigError');
    expect(error.message).not.toContain('\n');
  });
});

/** Self-hosted passkeys (no Corbado) on a real pool in production. */
function selfHostedEnv(overrides: Env = {}): Env {
  return awsEnv({
    CORBADO_PROJECT_ID: undefined,
    CORBADO_API_SECRET: undefined,
    ...overrides,
  });
}

describe('parseConfig: the passkey store', () => {
  it('is one DynamoDB table, in DYNAMODB_REGION or else the pool’s region (never AWS_REGION, which Vercel sets to its own), at an optional endpoint', () => {
    expect(parseConfig(selfHostedEnv({ DYNAMODB_TABLE: 'passkeys-prod' })).passkeyStore).toEqual({
      table: 'passkeys-prod',
      region: 'eu-central-1',
      endpoint: null,
    });
    expect(
      parseConfig(
        embeddedEnv({
          DYNAMODB_TABLE: 't.1_x-y',
          DYNAMODB_REGION: 'us-west-2',
          AWS_REGION: 'ap-south-1',
          DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567/',
        }),
      ).passkeyStore,
    ).toEqual({ table: 't.1_x-y', region: 'us-west-2', endpoint: 'http://127.0.0.1:4567' });
  });

  it('is needed by self-hosted passkeys and by Connect (its email codes), embedded or not, on Vercel or not', () => {
    for (const env of [
      selfHostedEnv({ DYNAMODB_TABLE: undefined }),
      selfHostedEnv({ DYNAMODB_TABLE: undefined, VERCEL: '1' }),
      awsEnv({ DYNAMODB_TABLE: undefined }),
      embeddedEnv({ DYNAMODB_TABLE: undefined }),
    ]) {
      const error = configErrorOf(env);
      expect(error.variable).toBe('DYNAMODB_TABLE');
      expect(error.message).toMatch(/infra\//);
    }
  });

  it('is not needed by Corbado Complete, which keeps no state here', () => {
    expect(parseConfig(awsEnv({ CORBADO_MODE: 'complete', DYNAMODB_TABLE: undefined })).passkeyStore).toBeNull();
  });

  it('ignores the variables of the SQLite store that is gone (PASSKEY_STORE, SINGLE_INSTANCE)', () => {
    const config = parseConfig(selfHostedEnv({ PASSKEY_STORE: 'sqlite', SINGLE_INSTANCE: '1' }));
    expect(config.passkeyStore).toEqual({ table: 'passkeys', region: 'eu-central-1', endpoint: null });
  });

  it.each([
    ['DYNAMODB_TABLE', { DYNAMODB_TABLE: `bad table ${CANARY}` }],
    ['DYNAMODB_REGION', { DYNAMODB_REGION: `moon-${CANARY}` }],
    ['DYNAMODB_ENDPOINT', { DYNAMODB_ENDPOINT: `ftp://${CANARY}` }],
  ])('a malformed setting is refused, naming %s and not echoing the value', (variable, override) => {
    const error = configErrorOf(selfHostedEnv(override));
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain(CANARY);
  });
});

describe('parseConfig: setups that cannot work are refused', () => {
  it('email codes to the local outbox in production, unless explicitly accepted', () => {
    const error = configErrorOf(selfHostedEnv({ SMTP_URL: undefined }));
    expect(error.variable).toBe('SMTP_URL');
    expect(error.message).toMatch(/EMAIL_OUTBOX_IN_PRODUCTION=1/);
    expect(
      parseConfig(selfHostedEnv({ SMTP_URL: undefined, EMAIL_OUTBOX_IN_PRODUCTION: '1' })).email.smtpUrl,
    ).toBeNull();
  });

  it('none of this applies to embedded mode (one machine, its own Cognito), development, or Corbado Complete (no state here)', () => {
    expect(() => parseConfig(embeddedEnv())).not.toThrow();
    expect(() => parseConfig(selfHostedEnv({ NODE_ENV: 'development', SMTP_URL: undefined }))).not.toThrow();
    const complete = { CORBADO_MODE: 'complete', DYNAMODB_TABLE: undefined, SMTP_URL: undefined };
    expect(() => parseConfig(awsEnv({ ...complete, VERCEL: '1' }))).not.toThrow();
  });

  it('Corbado Connect mails its email codes: the same rule holds', () => {
    expect(configErrorOf(awsEnv({ SMTP_URL: undefined })).variable).toBe('SMTP_URL');
  });

  it('a broken setup is reported after a malformed variable, so the operator fixes that first', () => {
    expect(configErrorOf(selfHostedEnv({ SMTP_URL: undefined, SESSION_SECRET: 'short' })).variable).toBe(
      'SESSION_SECRET',
    );
  });
});

describe('parseConfig: start-up warnings', () => {
  it('one line when a production start on a real pool has no REDIS_URL, none with it or embedded', () => {
    expect(parseConfig(awsEnv()).warnings).toEqual([expect.stringMatching(/^Warning: REDIS_URL is not set: /)]);
    expect(parseConfig(awsEnv({ REDIS_URL: 'redis://cache:6379' })).warnings).toEqual([]);
    expect(parseConfig(embeddedEnv()).warnings).toEqual([]);
  });
});

describe('parseConfig: the passkey layer (PASSKEY_LAYER)', () => {
  it('unset, is as ever: Corbado in its mode when CORBADO_PROJECT_ID is set, else self-hosted', () => {
    expect(parseConfig(awsEnv()).passkeyLayer).toBe('corbado-connect');
    expect(parseConfig(awsEnv({ CORBADO_MODE: 'complete' })).passkeyLayer).toBe('corbado-complete');
    expect(parseConfig(selfHostedEnv()).passkeyLayer).toBe('self-hosted');
    expect(parseConfig(embeddedEnv()).passkeyLayer).toBe('self-hosted');
  });

  it('chooses the layer it names, Corbado still in CORBADO_MODE', () => {
    expect(parseConfig(selfHostedEnv({ PASSKEY_LAYER: 'self-hosted' })).passkeyLayer).toBe('self-hosted');
    expect(parseConfig(selfHostedEnv({ PASSKEY_LAYER: ' cognito-native ' })).passkeyLayer).toBe('cognito-native');
    expect(parseConfig(embeddedEnv({ PASSKEY_LAYER: 'cognito-native' })).passkeyLayer).toBe('cognito-native');
    expect(parseConfig(awsEnv({ PASSKEY_LAYER: 'corbado' })).passkeyLayer).toBe('corbado-connect');
    expect(parseConfig(awsEnv({ PASSKEY_LAYER: 'corbado', CORBADO_MODE: 'complete' })).passkeyLayer).toBe(
      'corbado-complete',
    );
  });

  it('gives Cognito’s native passkeys a store only when a table is configured (for what Cognito does not keep)', () => {
    const config = parseConfig(selfHostedEnv({ PASSKEY_LAYER: 'cognito-native' }));
    expect(config.passkeyStore).toEqual({ table: 'passkeys', region: 'eu-central-1', endpoint: null });
    expect(config.corbado).toBeNull();
    expect(
      parseConfig(selfHostedEnv({ PASSKEY_LAYER: 'cognito-native', DYNAMODB_TABLE: undefined })).passkeyStore,
    ).toBe(null);
    // A table that is named must still be a valid one.
    expect(
      configErrorOf(selfHostedEnv({ PASSKEY_LAYER: 'cognito-native', DYNAMODB_TABLE: 'no spaces' })).variable,
    ).toBe('DYNAMODB_TABLE');
    // The self-hosted layer cannot run without its table.
    expect(configErrorOf(selfHostedEnv({ DYNAMODB_TABLE: undefined })).variable).toBe('DYNAMODB_TABLE');
  });

  it('refuses corbado without a Corbado project, in one line naming CORBADO_PROJECT_ID', () => {
    for (const env of [
      selfHostedEnv({ PASSKEY_LAYER: 'corbado' }),
      selfHostedEnv({ PASSKEY_LAYER: 'corbado', CORBADO_API_SECRET: `corbado1_${CANARY}` }),
      embeddedEnv({ PASSKEY_LAYER: 'corbado' }),
    ]) {
      const error = configErrorOf(env);
      expect(error.variable).toBe('CORBADO_PROJECT_ID');
      expect(error.message).toBe(
        'CORBADO_PROJECT_ID is missing: PASSKEY_LAYER=corbado needs a Corbado project (and CORBADO_API_SECRET)',
      );
      expect(error.message).not.toContain(CANARY);
    }
    expect(configErrorOf(awsEnv({ PASSKEY_LAYER: 'corbado', CORBADO_API_SECRET: undefined })).variable).toBe(
      'CORBADO_API_SECRET',
    );
  });

  it.each([
    ['cognito-native', { CORBADO_PROJECT_ID: 'pro-1234567890' }, 'CORBADO_PROJECT_ID'],
    ['cognito-native', {}, 'CORBADO_API_SECRET'],
    [
      'cognito-native',
      { CORBADO_API_SECRET: undefined, CORBADO_FRONTEND_API: 'https://f.example.com' },
      'CORBADO_FRONTEND_API',
    ],
    ['self-hosted', { CORBADO_PROJECT_ID: `pro-${CANARY}` }, 'CORBADO_PROJECT_ID'],
    ['self-hosted', { CORBADO_ACTIONS_SECRET: `actions-secret-${CANARY}-0123456789abcdef` }, 'CORBADO_API_SECRET'],
  ])('refuses %s with a Corbado variable set (%o), naming %s', (layer, overrides, variable) => {
    const error = configErrorOf(
      selfHostedEnv({ PASSKEY_LAYER: layer, CORBADO_API_SECRET: 'corbado1_abc', ...overrides }),
    );
    expect(error.variable).toBe(variable);
    expect(error.message).toBe(`${variable} is set, but PASSKEY_LAYER=${layer} uses no Corbado: unset one of them`);
    expect(error.message).not.toContain(CANARY);
  });

  it('leaves Complete’s webhook credentials alone: they are not the layer’s', () => {
    expect(parseConfig(selfHostedEnv({ PASSKEY_LAYER: 'cognito-native' })).webhook).toEqual({
      username: 'webhook',
      password: 'webhook-password-0123456789',
    });
  });

  it.each(['Corbado', 'corbado-connect', 'native', `cognito-native${CANARY}`])(
    'refuses PASSKEY_LAYER=%s, naming it without its value',
    (value) => {
      const error = configErrorOf(selfHostedEnv({ PASSKEY_LAYER: value }));
      expect(error.variable).toBe('PASSKEY_LAYER');
      expect(error.message).toBe(
        'PASSKEY_LAYER must be self-hosted, cognito-native or corbado (unset: corbado when CORBADO_PROJECT_ID is set)',
      );
      expect(error.message).not.toContain(CANARY);
    },
  );
});
