import type { ErrorCode } from '../errors';
import type { DependencyHealth } from '../http/probe';
import type { SignInMethod } from '../session/session';

/**
 * The seam between the passkey layers and the rest of the app. Each layer (one folder beside
 * this file) describes itself in one PasskeyLayer object; lib/layers/index.ts chooses one from
 * the configuration, and pages, route handlers, readiness and the security headers ask it.
 * Whatever proof a layer checks, it hands a verified identity (or Cognito's tokens) to the one
 * pipeline, lib/sign-in/pipeline.ts.
 */

/** The DynamoDB table of passkeys, email codes and passkey details (dynalite in embedded mode). */
export const STORE_VARIABLES = ['DYNAMODB_TABLE', 'DYNAMODB_ENDPOINT', 'DYNAMODB_REGION'] as const;

export type PasskeyLayerName = 'self-hosted' | 'cognito-native' | 'corbado-connect' | 'corbado-complete';

/**
 * The routes that exist with some layers only, the paths they cover, and what every other
 * layer answers there (each a 404, with the code it always had).
 */
export const LAYER_ROUTES = {
  /** Self-hosted WebAuthn sign-in (button or autofill): options, then the assertion. */
  'passkey-sign-in': {
    paths: ['/api/passkeys/sign-in/options', '/api/passkeys/sign-in'],
    refusal: 'not_found',
  },
  /** Self-hosted passkeys of the signed-in user: list, add, rename, delete. */
  'passkey-account': {
    paths: ['/api/account/passkeys', '/api/account/passkeys/options', '/api/account/passkeys/[id]'],
    refusal: 'not_found',
  },
  /** One-time email codes: sign-up and fallback where the layer brings none of its own. */
  'email-code': { paths: ['/api/auth/email-code', '/api/auth/email-code/verify'], refusal: 'not_found' },
  /** Cognito's own passkeys and email codes (USER_AUTH): the email first, then the challenge and its answer. */
  'native-sign-in': {
    paths: [
      '/api/auth/native/passkey/options',
      '/api/auth/native/passkey',
      '/api/auth/native/email-code',
      '/api/auth/native/email-code/verify',
    ],
    refusal: 'not_found',
  },
  /** Cognito's own passkeys of the signed-in user, with their access token: list, add, rename, delete. */
  'native-passkey-account': {
    paths: [
      '/api/account/native-passkeys',
      '/api/account/native-passkeys/options',
      '/api/account/native-passkeys/[id]',
    ],
    refusal: 'not_found',
  },
  /** Corbado Complete: its session token exchanged for the app's session. */
  'corbado-session': { paths: ['/api/auth/session'], refusal: 'corbado_disabled' },
  /** Corbado Connect: its login's signedPasskeyData exchanged for the app's session. */
  'connect-sign-in': { paths: ['/api/corbado/connect/sign-in'], refusal: 'corbado_disabled' },
  /** Corbado Connect: tokens for its append, list and delete components. */
  'connect-tokens': { paths: ['/api/corbado/connect/tokens'], refusal: 'corbado_disabled' },
  /** Corbado Connect's Actions (Corbado's servers calling the app), when their secret is set. */
  'connect-actions': {
    paths: ['/api/corbado/connect/actions/pre-login', '/api/corbado/connect/actions/post-append'],
    refusal: 'actions_disabled',
  },
} as const satisfies Record<string, { paths: readonly string[]; refusal: ErrorCode }>;

export type LayerRoute = keyof typeof LAYER_ROUTES;

/** Sources a layer's browser code needs in the Content-Security-Policy, beyond 'self'. */
export interface CspSources {
  /** What its components call and load images from (connect-src, img-src). */
  connect: readonly string[];
  /** style-src: its components inject inline styles, so no nonce can be used there. */
  styles: readonly string[];
  /** font-src. */
  fonts: readonly string[];
}

export interface PasskeyLayer {
  name: PasskeyLayerName;
  /** The `passkeyLayer` field of /api/health's readiness answer. */
  reportedAs: 'embedded' | 'cognito' | 'corbado';
  /** The LAYER_ROUTES this layer serves; every other one answers its refusal. */
  routes: readonly LayerRoute[];
  /**
   * How it proves who signs in: the route that takes its proof, the method the session and the
   * telemetry record, and what it hands the pipeline (a verified identity: email and method; or
   * the Cognito username of an existing user; or Cognito's own tokens, when Cognito checks the proof).
   */
  proof: {
    route: LayerRoute;
    method: Exclude<SignInMethod, 'password'>;
    gives: 'verified identity' | 'existing user' | 'cognito tokens';
  };
  /** Whether it keeps state (passkeys, email codes) in the app's store, which readiness then probes. */
  usesStore: boolean;
  /** Readiness: whether the layer's own service answers (lib/readiness.ts adds Cognito, the store, Redis). */
  probe(): Promise<DependencyHealth>;
  /** What its components need in the CSP; null: the app's own strict policy is enough. */
  csp: CspSources | null;
  /** The configuration variables (.env.example) it needs, and those it reads when they are set. */
  config: { required: readonly string[]; optional: readonly string[] };
}
