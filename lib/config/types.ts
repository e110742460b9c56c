import type { KeyObject } from 'node:crypto';
import type { QuotaCategory } from './cognito-quota';

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
  /**
   * The passkey layer this server runs, chosen once here: PASSKEY_LAYER (self-hosted,
   * cognito-native, or corbado with CORBADO_MODE choosing connect or complete); unset, Corbado when
   * CORBADO_PROJECT_ID is set, else self-hosted.
   */
  passkeyLayer: PasskeyLayerName;
  /** Start-up warnings: printed once, one line each, by stopOnConfigurationError. */
  warnings: string[];
}

export type PasskeyLayerName = 'self-hosted' | 'cognito-native' | 'corbado-connect' | 'corbado-complete';

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
