import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { DEFAULT_QUOTA_MAX_WAIT_MS, QUOTA_CATEGORIES, QUOTA_CATEGORY_NAMES, type QuotaCategory } from './cognito-quota';

/**
 * The whole configuration, parsed once from the environment. Nothing else in the
 * app reads process.env: a missing or malformed value is a ConfigError that names
 * the variable and never echoes its value.
 */
export interface AppConfig {
  /** true when the Cognito pool is the embedded emulator started by `npm run dev` / `EMBEDDED=1 npm start`. */
  embedded: boolean;
  production: boolean;
  appOrigin: string;
  dataDir: string;
  cognito: CognitoConfig;
  corbado: CorbadoConfig | null;
  webhook: { username: string; password: string } | null;
  session: SessionConfig;
  authChallenge: { privateKey: KeyObject; publicKeyPem: string };
  /** The WebAuthn relying party of the self-hosted passkey layer: APP_ORIGIN's host and origin. */
  relyingParty: { id: string; name: string; origin: string };
  /** One-time codes go through SMTP when SMTP_URL is set, else to the local outbox. */
  email: { smtpUrl: string | null; from: string };
  /** REDIS_URL: rate-limit counters shared by every app instance; null keeps them in memory. */
  redisUrl: string | null;
  /**
   * The DynamoDB table where the self-hosted passkey layer (and Connect's email codes) keep their
   * state; null for Corbado Complete, which keeps none here.
   */
  passkeyStore: PasskeyStoreConfig | null;
  /** The client-side budget of Cognito requests per quota category (lib/cognito/quota.ts). */
  cognitoQuota: CognitoQuotaConfig;
  /**
   * TEST_ONLY_SESSION_GATE_OFF=1: middleware.ts lets every request through to the page or handler
   * without its session check, so tests prove that the data-access layer alone holds
   * (tests/security/gate-bypass.test.ts). Refused unless the pool is the embedded emulator.
   */
  sessionGateOff: boolean;
  /** Start-up warnings: printed once, one line each, by stopOnConfigurationError. */
  warnings: string[];
}

/**
 * One DynamoDB table shared by every instance: on AWS in production, on the embedded DynamoDB
 * (dynalite, started by the launcher) in embedded mode.
 */
export interface PasskeyStoreConfig {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint (the embedded DynamoDB); null for AWS. */
  endpoint: string | null;
}

export interface CognitoQuotaConfig {
  /** Requests per second per category, for all instances together (COGNITO_QUOTA_<CATEGORY>). */
  perSecond: Record<QuotaCategory, number>;
  /** COGNITO_QUOTA_MAX_WAIT_MS: how long a call may wait for its turn before the request fails. */
  maxWaitMs: number;
}

export interface CognitoConfig {
  region: string;
  userPoolId: string;
  clientId: string;
  clientSecret: string | null;
  /** Set for the embedded emulator (or any Cognito-compatible endpoint). */
  endpoint: string | null;
  /**
   * COGNITO_ACCESS_KEY_ID / COGNITO_SECRET_ACCESS_KEY: the credentials every call to the endpoint
   * is signed with (the embedded Cognito refuses any other); null uses AWS's default provider chain.
   */
  endpointCredentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** The `iss` claim of the pool's tokens; its JWKS is at `${issuer}/.well-known/jwks.json`. */
  issuer: string;
}

export interface CorbadoConfig {
  /**
   * `connect` (the default): Corbado Connect, passkeys on top of this Cognito pool. `complete`:
   * the discontinued Corbado Complete (its own user store and session tokens), for projects
   * that still run on it; chosen explicitly with CORBADO_MODE=complete.
   */
  mode: 'connect' | 'complete';
  projectId: string;
  apiSecret: string;
  frontendApi: string;
  backendApi: string;
  /** The Connect components' `frontendApiUrlSuffix`: they call https://{projectId}.{suffix}. */
  frontendApiUrlSuffix: string;
  /** Connect: the shared secret Corbado's Actions send as a Bearer token; null = Actions off. */
  actionsSecret: string | null;
}

export interface SessionConfig {
  /** iron-session password map holding only SESSION_SECRET: new cookies are sealed with it. */
  sealWith: Record<string, string>;
  /**
   * SESSION_SECRET, every SESSION_SECRET_PREVIOUS and SESSION_SECRET_NEXT (the secret about to
   * become SESSION_SECRET during a rotation): cookies sealed with any of them open.
   */
  openWith: Record<string, string>;
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string, why: string): string {
  const value = read(env, name);
  if (!value) throw new ConfigError(name, `is missing: ${why}`);
  return value;
}

function parseOrigin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a URL (expected e.g. https://app.example.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new ConfigError(name, 'must be an origin only: scheme, host and port, no path');
  }
  return url.origin;
}

/** Corbado's SDK wants base URLs with an empty path and no trailing slash. */
function parseBaseUrl(name: string, value: string): string {
  return parseOrigin(name, value.replace(/\/+$/, ''));
}

function parseSeconds(env: Env, name: string, fallback: number, min: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new ConfigError(name, `must be a whole number of seconds, at least ${min}`);
  }
  return Number(raw);
}

const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d|local)_[0-9A-Za-z]+$/;
const CLIENT_ID = /^[0-9a-z]{1,128}$/;

/** A password's id is derived from the secret itself, so it stays stable however the list is reordered. */
function passwordId(secret: string): string {
  return String(parseInt(createHash('sha256').update(secret).digest('hex').slice(0, 8), 16));
}

function parseSessionPasswords(env: Env): Pick<SessionConfig, 'sealWith' | 'openWith'> {
  const current = required(env, 'SESSION_SECRET', 'set a random string of at least 32 characters');
  const previous = (read(env, 'SESSION_SECRET_PREVIOUS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const next = read(env, 'SESSION_SECRET_NEXT');
  if (current.length < 32) throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters long');
  if (previous.some((s) => s.length < 32)) {
    throw new ConfigError('SESSION_SECRET_PREVIOUS', 'must list secrets of at least 32 characters, comma-separated');
  }
  if (next !== undefined && (next.length < 32 || next.includes(','))) {
    throw new ConfigError('SESSION_SECRET_NEXT', 'must be one secret of at least 32 characters');
  }
  if (next !== undefined && (next === current || previous.includes(next))) {
    throw new ConfigError('SESSION_SECRET_NEXT', 'must differ from SESSION_SECRET and SESSION_SECRET_PREVIOUS');
  }
  const openWith: Record<string, string> = {};
  for (const secret of previous) openWith[passwordId(secret)] = secret;
  // Opens, never seals: every instance must open the new secret's cookies before any seals with it.
  if (next !== undefined) openWith[passwordId(next)] = next;
  openWith[passwordId(current)] = current;
  return { sealWith: { [passwordId(current)]: current }, openWith };
}

function parseChallengeKey(env: Env): AppConfig['authChallenge'] {
  const raw = required(
    env,
    'AUTH_CHALLENGE_PRIVATE_KEY',
    'a PKCS#8 PEM EC P-256 key (npm run keys:challenge prints one)',
  );
  const pem = raw.replace(/\\n/g, '\n');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError('AUTH_CHALLENGE_PRIVATE_KEY', 'is not a readable PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError('AUTH_CHALLENGE_PRIVATE_KEY', 'must be an EC P-256 key (ES256)');
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}

function parseCognito(env: Env, embedded: boolean): CognitoConfig {
  const userPoolId = required(
    env,
    'COGNITO_USER_POOL_ID',
    embedded
      ? 'the embedded Cognito did not start (run the app with npm run dev or EMBEDDED=1 npm start)'
      : 'set your pool id, or run `npm run dev` for the embedded Cognito',
  );
  if (!POOL_ID.test(userPoolId)) {
    throw new ConfigError('COGNITO_USER_POOL_ID', 'is malformed (expected e.g. eu-central-1_AbCdEf123)');
  }
  const region =
    read(env, 'COGNITO_REGION') ?? (userPoolId.startsWith('local_') ? 'us-east-1' : userPoolId.split('_')[0]!);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError('COGNITO_REGION', 'is malformed (expected e.g. eu-central-1)');
  }
  if (!userPoolId.startsWith('local_') && !userPoolId.startsWith(`${region}_`)) {
    throw new ConfigError('COGNITO_REGION', 'does not match the region in COGNITO_USER_POOL_ID');
  }
  const clientId = required(env, 'COGNITO_CLIENT_ID', 'the app client id of the pool');
  if (!CLIENT_ID.test(clientId)) throw new ConfigError('COGNITO_CLIENT_ID', 'is malformed');
  const rawEndpoint = read(env, 'COGNITO_ENDPOINT');
  const endpoint = rawEndpoint ? parseBaseUrl('COGNITO_ENDPOINT', rawEndpoint) : null;
  const issuer = endpoint ? `${endpoint}/${userPoolId}` : `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  return {
    region,
    userPoolId,
    clientId,
    clientSecret: read(env, 'COGNITO_CLIENT_SECRET') ?? null,
    endpoint,
    endpointCredentials: parseEndpointCredentials(env, endpoint, embedded),
    issuer,
  };
}

function parseEndpointCredentials(
  env: Env,
  endpoint: string | null,
  embedded: boolean,
): CognitoConfig['endpointCredentials'] {
  const accessKeyId = read(env, 'COGNITO_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'COGNITO_SECRET_ACCESS_KEY');
  if (!accessKeyId && !secretAccessKey) {
    if (embedded)
      throw new ConfigError(
        'COGNITO_ACCESS_KEY_ID',
        'is missing: the embedded Cognito answers only signed calls (the launcher sets it)',
      );
    return null;
  }
  if (!endpoint)
    throw new ConfigError(
      'COGNITO_ACCESS_KEY_ID',
      'is only for COGNITO_ENDPOINT (AWS uses its default credential chain)',
    );
  if (!accessKeyId)
    throw new ConfigError('COGNITO_ACCESS_KEY_ID', 'is missing (needed with COGNITO_SECRET_ACCESS_KEY)');
  if (!secretAccessKey)
    throw new ConfigError('COGNITO_SECRET_ACCESS_KEY', 'is missing (needed with COGNITO_ACCESS_KEY_ID)');
  return { accessKeyId, secretAccessKey };
}

function parseCorbadoMode(env: Env): CorbadoConfig['mode'] {
  const mode = read(env, 'CORBADO_MODE') ?? 'connect';
  if (mode !== 'connect' && mode !== 'complete') {
    throw new ConfigError('CORBADO_MODE', 'must be connect (the default) or complete (legacy Corbado Complete)');
  }
  return mode;
}

/**
 * The provider's frontendApiUrlSuffix: its own variable, else what follows `{projectId}.` in the
 * Frontend API's host (port included), else Corbado's default.
 */
function parseFrontendApiUrlSuffix(env: Env, projectId: string, frontendApi: string | null): string {
  const explicit = read(env, 'CORBADO_FRONTEND_API_URL_SUFFIX');
  if (explicit) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i.test(explicit)) {
      throw new ConfigError(
        'CORBADO_FRONTEND_API_URL_SUFFIX',
        'must be a host name with an optional port (e.g. frontendapi.corbado.io)',
      );
    }
    return explicit.toLowerCase();
  }
  if (!frontendApi) return 'frontendapi.corbado.io';
  const { protocol, host } = new URL(frontendApi);
  if (protocol !== 'https:' || !host.startsWith(`${projectId}.`)) {
    throw new ConfigError(
      'CORBADO_FRONTEND_API_URL_SUFFIX',
      `is missing: Corbado Connect's components call https://${projectId}.<suffix>, and CORBADO_FRONTEND_API is not of that form`,
    );
  }
  return host.slice(projectId.length + 1);
}

function parseActionsSecret(env: Env): string | null {
  const secret = read(env, 'CORBADO_ACTIONS_SECRET') ?? null;
  if (secret !== null && secret.length < 32) {
    throw new ConfigError('CORBADO_ACTIONS_SECRET', 'must be at least 32 characters long');
  }
  return secret;
}

function parseCorbado(env: Env): CorbadoConfig | null {
  const projectId = read(env, 'CORBADO_PROJECT_ID');
  if (!projectId) return null;
  if (!/^pro-\d+$/.test(projectId)) {
    throw new ConfigError('CORBADO_PROJECT_ID', 'is malformed (expected pro-<digits>)');
  }
  const mode = parseCorbadoMode(env);
  const apiSecret = required(env, 'CORBADO_API_SECRET', 'needed with CORBADO_PROJECT_ID');
  if (!apiSecret.startsWith('corbado1_')) {
    throw new ConfigError('CORBADO_API_SECRET', 'is malformed (expected corbado1_...)');
  }
  const rawFrontendApi = read(env, 'CORBADO_FRONTEND_API');
  const backendApi = parseBaseUrl(
    'CORBADO_BACKEND_API',
    read(env, 'CORBADO_BACKEND_API') ?? 'https://backendapi.cloud.corbado.io',
  );
  if (mode === 'complete') {
    if (read(env, 'CORBADO_ACTIONS_SECRET')) {
      throw new ConfigError(
        'CORBADO_ACTIONS_SECRET',
        'is for Corbado Connect: unset it, or unset CORBADO_MODE=complete',
      );
    }
    const frontendApi = parseBaseUrl(
      'CORBADO_FRONTEND_API',
      rawFrontendApi ?? `https://${projectId}.frontendapi.cloud.corbado.io`,
    );
    return {
      mode,
      projectId,
      apiSecret,
      frontendApi,
      backendApi,
      frontendApiUrlSuffix: 'frontendapi.corbado.io',
      actionsSecret: null,
    };
  }
  const explicitFrontendApi = rawFrontendApi ? parseBaseUrl('CORBADO_FRONTEND_API', rawFrontendApi) : null;
  const frontendApiUrlSuffix = parseFrontendApiUrlSuffix(env, projectId, explicitFrontendApi);
  return {
    mode,
    projectId,
    apiSecret,
    frontendApi: explicitFrontendApi ?? `https://${projectId}.${frontendApiUrlSuffix}`,
    backendApi,
    frontendApiUrlSuffix,
    actionsSecret: parseActionsSecret(env),
  };
}

export function parseConfig(env: Env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const embeddedFlag = read(env, 'EMBEDDED');
  if (embeddedFlag !== undefined && embeddedFlag !== '0' && embeddedFlag !== '1') {
    throw new ConfigError('EMBEDDED', 'must be 1 or 0');
  }
  const embedded = embeddedFlag === '1';
  const rawOrigin = read(env, 'APP_ORIGIN');
  if (!rawOrigin && production && !embedded) {
    throw new ConfigError('APP_ORIGIN', 'is missing: the public origin of the app, e.g. https://app.example.com');
  }
  const appOrigin = parseOrigin('APP_ORIGIN', rawOrigin ?? `http://localhost:${read(env, 'PORT') ?? '3000'}`);

  const webhookUsername = read(env, 'CORBADO_WEBHOOK_USERNAME');
  const webhookPassword = read(env, 'CORBADO_WEBHOOK_PASSWORD');
  if (Boolean(webhookUsername) !== Boolean(webhookPassword)) {
    throw new ConfigError(
      webhookUsername ? 'CORBADO_WEBHOOK_PASSWORD' : 'CORBADO_WEBHOOK_USERNAME',
      'is missing: the webhook needs both a username and a password',
    );
  }
  if (webhookPassword && webhookPassword.length < 16) {
    throw new ConfigError('CORBADO_WEBHOOK_PASSWORD', 'must be at least 16 characters long');
  }

  const cognito = parseCognito(env, embedded);
  const corbado = parseCorbado(env);
  const config: AppConfig = {
    embedded,
    production,
    appOrigin,
    dataDir: read(env, 'DATA_DIR') ?? '.data',
    cognito,
    corbado,
    webhook: webhookUsername && webhookPassword ? { username: webhookUsername, password: webhookPassword } : null,
    session: {
      ...parseSessionPasswords(env),
      idleTimeoutSeconds: parseSeconds(env, 'SESSION_IDLE_TIMEOUT_SECONDS', 12 * 3600, 60),
      absoluteTimeoutSeconds: parseSeconds(env, 'SESSION_ABSOLUTE_TIMEOUT_SECONDS', 7 * 24 * 3600, 300),
    },
    authChallenge: parseChallengeKey(env),
    relyingParty: {
      id: new URL(appOrigin).hostname,
      name: read(env, 'RELYING_PARTY_NAME') ?? 'Passkey sign-in',
      origin: appOrigin,
    },
    email: parseEmail(env),
    redisUrl: parseRedisUrl(env),
    // Self-hosted passkeys keep their state in the store, and so do Connect's email codes (its
    // sign-up and fallback); Corbado Complete keeps none here.
    passkeyStore: corbado?.mode === 'complete' ? null : parsePasskeyStore(env, cognito.region),
    cognitoQuota: parseCognitoQuota(env),
    sessionGateOff: parseSessionGateOff(env, embedded),
    warnings: [],
  };
  if (config.sessionGateOff) {
    config.warnings.push('Warning: TEST_ONLY_SESSION_GATE_OFF=1: middleware checks no sessions (tests only)');
  }
  refuseBrokenDeployments(env, config);
  if (production && !embedded && !config.redisUrl) {
    config.warnings.push(
      'Warning: REDIS_URL is not set: rate limits are counted per instance, so N instances allow N times the limits',
    );
  }
  return config;
}

/** Cognito traffic shaping: a rate per quota category (AWS's defaults unless set) and the longest wait. */
function parseCognitoQuota(env: Env): CognitoQuotaConfig {
  const positive = (name: string, fallback: number, what: string) => {
    const raw = read(env, name);
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0)
      throw new ConfigError(name, `must be a positive number (${what})`);
    return Number(raw);
  };
  const perSecond = Object.fromEntries(
    QUOTA_CATEGORY_NAMES.map((category) => {
      const { env: name, defaultPerSecond } = QUOTA_CATEGORIES[category];
      return [category, positive(name, defaultPerSecond, `requests per second; AWS's default is ${defaultPerSecond}`)];
    }),
  ) as Record<QuotaCategory, number>;
  return { perSecond, maxWaitMs: positive('COGNITO_QUOTA_MAX_WAIT_MS', DEFAULT_QUOTA_MAX_WAIT_MS, 'milliseconds') };
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function parsePasskeyStore(env: Env, cognitoRegion: string): PasskeyStoreConfig {
  const table = required(env, 'DYNAMODB_TABLE', 'the passkey table (infra/ creates it; see docs/DEPLOYMENT.md)');
  if (!TABLE_NAME.test(table))
    throw new ConfigError('DYNAMODB_TABLE', 'is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)');
  // Not AWS_REGION: Vercel sets that to the function's own region, which need not be the table's.
  const region = read(env, 'DYNAMODB_REGION') ?? cognitoRegion;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new ConfigError('DYNAMODB_REGION', 'is malformed (expected e.g. eu-central-1)');
  const rawEndpoint = read(env, 'DYNAMODB_ENDPOINT');
  return { table, region, endpoint: rawEndpoint ? parseBaseUrl('DYNAMODB_ENDPOINT', rawEndpoint) : null };
}

function flag(env: Env, name: string): boolean {
  const value = read(env, name);
  if (value !== undefined && value !== '0' && value !== '1') throw new ConfigError(name, 'must be 1 or 0');
  return value === '1';
}

/** A switch for tests only: a deployment with a real Cognito pool cannot turn the gate off. */
function parseSessionGateOff(env: Env, embedded: boolean): boolean {
  const off = flag(env, 'TEST_ONLY_SESSION_GATE_OFF');
  if (off && !embedded) {
    throw new ConfigError('TEST_ONLY_SESSION_GATE_OFF', 'is for tests on the embedded Cognito only (EMBEDDED=1)');
  }
  return off;
}

/**
 * A setup that would start but cannot work is refused: one-time codes written to the outbox file
 * and the logs of a production server. Embedded mode is one machine with its own Cognito: nothing
 * there reaches real users. Corbado Complete sends no codes of ours.
 */
function refuseBrokenDeployments(env: Env, config: AppConfig): void {
  const outboxInProduction = flag(env, 'EMAIL_OUTBOX_IN_PRODUCTION');
  if (config.corbado?.mode === 'complete') return;
  if (!config.production || config.embedded) return;
  if (!config.email.smtpUrl && !outboxInProduction) {
    throw new ConfigError(
      'SMTP_URL',
      'is missing: one-time codes would go to the outbox file and the logs; set it, or EMAIL_OUTBOX_IN_PRODUCTION=1 to accept that',
    );
  }
}

function parseRedisUrl(env: Env): string | null {
  const raw = read(env, 'REDIS_URL');
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'REDIS_URL',
      'is not a URL (expected e.g. redis://localhost:6379 or rediss://user:password@host:6380)',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  if (!url.hostname) throw new ConfigError('REDIS_URL', 'has no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
    throw new ConfigError('REDIS_URL', 'may name a database number only (e.g. /0) after the host');
  }
  return raw;
}

function parseEmail(env: Env): AppConfig['email'] {
  const smtpUrl = read(env, 'SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL', 'must be an smtp:// or smtps:// URL');
  }
  const from = read(env, 'EMAIL_FROM') ?? 'Passkey sign-in <no-reply@localhost>';
  if (/[\r\n]/.test(from)) throw new ConfigError('EMAIL_FROM', 'must be a single line');
  return { smtpUrl, from };
}

let cached: AppConfig | undefined;

/** The app's configuration, parsed on first use. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** At server boot: a bad configuration ends the process with one line naming the variable. */
export function stopOnConfigurationError(): void {
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  try {
    // Once per process: this runs at boot, and the configuration is parsed once.
    for (const warning of getConfig().warnings) console.warn(warning);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
}
