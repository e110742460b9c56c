import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The deployment's settings, read once from CDK context (`cdk deploy -c name=value`, or the
 * "context" block of cdk.json). A missing or malformed value stops synthesis with one line
 * naming it, as the app's own configuration does.
 */
export interface DeploymentSettings {
  stackName: string;
  /** SPKI PEM of the EC P-256 key whose private half is the app's AUTH_CHALLENGE_PRIVATE_KEY. */
  authChallengePublicKeyPem: string;
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

/** The public key for the verify function; a private key is refused, it must never reach AWS Lambda. */
function parsePublicKey(raw: string | undefined): string {
  const key = 'authChallengePublicKey';
  if (!raw) {
    throw new SettingsError(key, 'is missing: the public half of AUTH_CHALLENGE_PRIVATE_KEY (npm run keys:challenge prints both)');
  }
  const pem = raw.replace(/\\n/g, '\n');
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new SettingsError(key, 'must be a PEM public key (-----BEGIN PUBLIC KEY-----); never give the private key to the stack');
  }
  let publicKey;
  try {
    publicKey = createPublicKey(pem);
  } catch {
    throw new SettingsError(key, 'is not a readable PEM public key');
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SettingsError(key, 'must be an EC P-256 key (ES256)');
  }
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function readSettings(context: Context, infraDir: string): DeploymentSettings {
  const existingUserPoolId = text(context, 'existingUserPoolId') ?? null;
  if (existingUserPoolId && !POOL_ID.test(existingUserPoolId)) {
    throw new SettingsError('existingUserPoolId', 'is malformed (expected e.g. eu-central-1_AbCdEf123)');
  }
  const lambdasDir = path.resolve(infraDir, text(context, 'lambdasDir') ?? '../dist/lambdas');
  for (const name of LAMBDA_HANDLERS) {
    if (!existsSync(path.join(lambdasDir, name, 'index.mjs'))) {
      throw new SettingsError('lambdasDir', `has no ${name}/index.mjs in ${lambdasDir}: run \`npm run lambdas:build\` in the app first`);
    }
  }
  const idAndAccessTokenMinutes = whole(context, 'tokenValidityMinutes', 60, 5, 60);
  return {
    stackName: text(context, 'stackName') ?? 'CognitoPasskeys',
    authChallengePublicKeyPem: parsePublicKey(text(context, 'authChallengePublicKey')),
    existingUserPoolId,
    region: existingUserPoolId ? existingUserPoolId.split('_')[0]! : null,
    userPoolName: text(context, 'userPoolName') ?? 'cognito-passkeys',
    createAppClient: flag(context, 'createAppClient', true),
    idAndAccessTokenMinutes,
    refreshTokenDays: whole(context, 'refreshTokenValidityDays', 30, 1, 3650),
    lambdasDir,
  };
}
