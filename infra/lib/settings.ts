import { ChallengeKeySetError, parseChallengePublicKeys } from '../../lib/cognito/challenge/keys';
import {
  isPasskeyLayerName,
  litePlanRefusal,
  NATIVE_PASSKEY_REQUIREMENTS,
  PASSKEY_LAYER_SIGN_IN,
  type FeaturePlan,
  type PasskeyLayerName,
  type WebAuthnUserVerification,
} from '../../lib/cognito/requirements';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The deployment's settings, read once from CDK context (`cdk deploy -c name=value`, or the
 * "context" block of cdk.json). A missing or malformed value stops synthesis with one line
 * naming it, as the app's own configuration does.
 */
export interface DeploymentSettings {
  stackName: string;
  /**
   * SPKI PEMs (1..4, one after another) of the EC P-256 keys the verify function trusts: the public
   * half of the app's AUTH_CHALLENGE_PRIVATE_KEY and, during a rotation, the next or previous one.
   */
  authChallengePublicKeysPem: string;
  /** Their kids (RFC 7638 thumbprints), the names the assertions and the function's logs use. */
  authChallengeKeyIds: string[];
  /** Attach to this pool instead of creating one; its users and settings are left alone. */
  existingUserPoolId: string | null;
  /** The region of the existing pool, which the stack must be deployed to. */
  region: string | null;
  /** Name of a new pool. */
  userPoolName: string;
  createAppClient: boolean;
  idAndAccessTokenMinutes: number;
  refreshTokenDays: number;
  /** Where `npm run lambdas:build` wrote dist/lambdas/<name>/index.mjs. */
  lambdasDir: string;
  /** The app's PASSKEY_LAYER; null: any of the CUSTOM_AUTH layers (the triggers and the table). */
  passkeyLayer: PasskeyLayerName | null;
  /** Cognito's own passkeys (passkeyLayer=cognito-native): no triggers, no passkey table. */
  native: NativePasskeySettings | null;
}

export interface NativePasskeySettings {
  /** The new pool's plan: Essentials or Plus (Lite has no passkeys). */
  featurePlan: FeaturePlan;
  /** The app's host (APP_ORIGIN's), where users create and use their passkeys. */
  relyingPartyId: string;
  userVerification: WebAuthnUserVerification;
}

export class SettingsError extends Error {
  constructor(key: string, problem: string) {
    super(`context ${key} ${problem}`);
    this.name = 'SettingsError';
  }
}

export const LAMBDA_HANDLERS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge'] as const;

const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$/;

type Context = (key: string) => unknown;

function text(context: Context, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed ? trimmed : undefined;
}

function whole(context: Context, key: string, fallback: number, min: number, max: number): number {
  const raw = text(context, key);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new SettingsError(key, `must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function flag(context: Context, key: string, fallback: boolean): boolean {
  const raw = text(context, key);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new SettingsError(key, 'must be true or false');
  return raw === 'true';
}

/**
 * The verify function's public keys: authChallengePublicKeys (one or more PEMs, or a JWKS; at
 * most 4), or the single authChallengePublicKey of earlier deployments. A private key is
 * refused: it must never reach AWS Lambda.
 */
function parsePublicKeys(
  context: Context,
): Pick<DeploymentSettings, 'authChallengePublicKeysPem' | 'authChallengeKeyIds'> {
  const set = text(context, 'authChallengePublicKeys');
  const single = text(context, 'authChallengePublicKey');
  if (set && single)
    throw new SettingsError(
      'authChallengePublicKeys',
      'and authChallengePublicKey are both set: give only authChallengePublicKeys',
    );
  const key = single ? 'authChallengePublicKey' : 'authChallengePublicKeys';
  const raw = set ?? single;
  if (!raw) {
    throw new SettingsError(
      key,
      'is missing: the public half of AUTH_CHALLENGE_PRIVATE_KEY (npm run keys:challenge prints both)',
    );
  }
  if (/PRIVATE KEY-----|"d"\s*:/.test(raw)) {
    throw new SettingsError(
      key,
      'holds a private key: give PEM public keys (-----BEGIN PUBLIC KEY-----); never give the private key to the stack',
    );
  }
  let keys;
  try {
    keys = parseChallengePublicKeys(raw);
  } catch (error) {
    if (error instanceof ChallengeKeySetError) throw new SettingsError(key, error.message);
    throw error;
  }
  if (single && keys.size > 1)
    throw new SettingsError(key, 'holds several keys: use authChallengePublicKeys for a set');
  return {
    authChallengePublicKeysPem: [...keys.values()]
      .map((k) => k.export({ type: 'spki', format: 'pem' }).toString())
      .join(''),
    authChallengeKeyIds: [...keys.keys()],
  };
}

// A host name as WebAuthn takes it for a relying party ID: no scheme, port or path.
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function parseNative(context: Context, layer: PasskeyLayerName | null): NativePasskeySettings | null {
  if (layer === null || PASSKEY_LAYER_SIGN_IN[layer] !== 'native') return null;
  const plan = (text(context, 'featurePlan') ?? NATIVE_PASSKEY_REQUIREMENTS.upgradeFeaturePlan).toUpperCase();
  if (plan === 'LITE') {
    throw new SettingsError('featurePlan', `is lite: ${litePlanRefusal('set -c featurePlan=essentials or plus')}`);
  }
  if (!NATIVE_PASSKEY_REQUIREMENTS.featurePlans.includes(plan as FeaturePlan)) {
    throw new SettingsError('featurePlan', 'must be essentials or plus');
  }
  const relyingPartyId = text(context, 'relyingPartyId')?.toLowerCase();
  if (!relyingPartyId) {
    throw new SettingsError(
      'relyingPartyId',
      "is missing: the app's host (APP_ORIGIN's, e.g. app.example.com), where users create and use their passkeys",
    );
  }
  if (!HOST.test(relyingPartyId)) {
    throw new SettingsError('relyingPartyId', 'must be a host name such as app.example.com (no scheme, port or path)');
  }
  const userVerification = text(context, 'userVerification') ?? NATIVE_PASSKEY_REQUIREMENTS.userVerification;
  if (userVerification !== 'required' && userVerification !== 'preferred') {
    throw new SettingsError('userVerification', 'must be required or preferred');
  }
  return { featurePlan: plan as FeaturePlan, relyingPartyId, userVerification };
}

export function readSettings(context: Context, infraDir: string): DeploymentSettings {
  const existingUserPoolId = text(context, 'existingUserPoolId') ?? null;
  if (existingUserPoolId && !POOL_ID.test(existingUserPoolId)) {
    throw new SettingsError('existingUserPoolId', 'is malformed (expected e.g. eu-central-1_AbCdEf123)');
  }
  const layer = text(context, 'passkeyLayer') ?? null;
  if (layer !== null && !isPasskeyLayerName(layer)) {
    throw new SettingsError('passkeyLayer', `must be one of ${Object.keys(PASSKEY_LAYER_SIGN_IN).join(', ')}`);
  }
  const native = parseNative(context, layer);
  const lambdasDir = path.resolve(infraDir, text(context, 'lambdasDir') ?? '../dist/lambdas');
  // Cognito's own passkeys deploy no function.
  for (const name of native ? [] : LAMBDA_HANDLERS) {
    if (!existsSync(path.join(lambdasDir, name, 'index.mjs'))) {
      throw new SettingsError(
        'lambdasDir',
        `has no ${name}/index.mjs in ${lambdasDir}: run \`npm run lambdas:build\` in the app first`,
      );
    }
  }
  const idAndAccessTokenMinutes = whole(context, 'tokenValidityMinutes', 60, 5, 60);
  return {
    stackName: text(context, 'stackName') ?? 'CognitoPasskeys',
    // Only the verify function holds the keys; Cognito's own passkeys have none.
    ...(native ? { authChallengePublicKeysPem: '', authChallengeKeyIds: [] } : parsePublicKeys(context)),
    existingUserPoolId,
    region: existingUserPoolId ? existingUserPoolId.split('_')[0]! : null,
    userPoolName: text(context, 'userPoolName') ?? 'cognito-passkeys',
    createAppClient: flag(context, 'createAppClient', true),
    idAndAccessTokenMinutes,
    refreshTokenDays: whole(context, 'refreshTokenValidityDays', 30, 1, 3650),
    lambdasDir,
    passkeyLayer: layer,
    native,
  };
}
