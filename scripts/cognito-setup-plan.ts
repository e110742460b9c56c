import { createPublicKey, type KeyObject } from 'node:crypto';
import { ChallengeKeySetError, challengeKeyId, parseChallengePublicKeys } from '../lib/cognito/challenge/keys';
import {
  APP_CLIENT_NAME,
  APP_CUSTOM_ATTRIBUTES,
  CUSTOM_AUTH_REQUIREMENTS,
  CUSTOM_AUTH_TRIGGERS,
  DEFAULT_REFRESH_TOKEN_DAYS,
  litePlanRefusal,
  MAX_ID_ACCESS_TOKEN_MINUTES,
  NATIVE_PASSKEY_REQUIREMENTS,
  relyingPartyServesHost,
  type FeaturePlan,
  type WebAuthnUserVerification,
} from '../lib/cognito/requirements';
import type {
  AddCustomAttributesRequest,
  CreateUserPoolClientRequest,
  ExplicitAuthFlowsType,
  GetUserPoolMfaConfigResponse,
  LambdaConfigType,
  SetUserPoolMfaConfigRequest,
  TimeUnitsType,
  TokenValidityUnitsType,
  UpdateUserPoolClientRequest,
  UpdateUserPoolRequest,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';

/**
 * What `npm run cognito:setup` checks in a user pool and app client, and the plan that brings
 * them to what the app needs. Pure: it reads described state and returns requests; the script
 * makes the AWS calls. What the app needs is lib/cognito/requirements.ts, which infra/ deploys
 * and the embedded Cognito creates too.
 *
 * UpdateUserPool and UpdateUserPoolClient reset every field a request leaves out to Cognito's
 * default (triggers, schema messages, OAuth settings...), so an update here always carries the
 * whole current configuration, changed only where the app needs it.
 */

/** The flows of the CUSTOM_AUTH layers (lib/cognito/requirements.ts). */
export const APP_AUTH_FLOWS: readonly ExplicitAuthFlowsType[] = CUSTOM_AUTH_REQUIREMENTS.authFlows;

export const TRIGGERS = CUSTOM_AUTH_TRIGGERS;
export type TriggerName = (typeof TRIGGERS)[number];
export type TriggerArns = Partial<Record<TriggerName, string>>;

/** Command-line flag and environment variable that name each trigger's function ARN. */
export const TRIGGER_INPUTS: Record<TriggerName, { flag: string; env: string }> = {
  DefineAuthChallenge: { flag: '--define-auth-challenge', env: 'DEFINE_AUTH_CHALLENGE_ARN' },
  CreateAuthChallenge: { flag: '--create-auth-challenge', env: 'CREATE_AUTH_CHALLENGE_ARN' },
  VerifyAuthChallengeResponse: { flag: '--verify-auth-challenge', env: 'VERIFY_AUTH_CHALLENGE_ARN' },
};

/** The flag that moves a Lite pool to a paid plan (native layer), named in the refusal. */
export const FEATURE_PLAN_FLAG = '--feature-plan';

const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w.-]+(:[\w.$-]+)?$/;

export function isLambdaArn(value: string): boolean {
  return LAMBDA_ARN.test(value);
}

export interface SetupState {
  pool: UserPoolType;
  /** The app client to check: the configured one, else one named APP_CLIENT_NAME; null when none exists. */
  client: UserPoolClientType | null;
  /** GetUserPoolMfaConfig: read only for the native layer (its WebAuthn configuration lives there). */
  mfa?: GetUserPoolMfaConfigResponse;
}

/** What Cognito's native passkeys need beyond the pool: where the app runs, and the operator's consent. */
export interface NativePasskeySetup {
  /** The app's host (APP_ORIGIN): the relying party ID, unless the pool's serves it already. */
  appHost: string;
  userVerification: WebAuthnUserVerification;
  /** A Lite pool moves to this plan only when asked (`--feature-plan`): it changes the bill. */
  upgradeFeaturePlanTo: FeaturePlan | null;
}

export interface SetupRequirements {
  /** Trigger ARNs to attach; a trigger left out keeps whatever function the pool already has. */
  triggers: TriggerArns;
  /** The app's absolute session lifetime: a refresh token that dies sooner signs users out early. */
  sessionLifetimeSeconds: number;
  /** Set for the Cognito-native passkey layer (PASSKEY_LAYER=cognito-native): no triggers, USER_AUTH. */
  native?: NativePasskeySetup;
}

export type SetupStep =
  | { kind: 'add-custom-attribute'; summary: string; request: AddCustomAttributesRequest }
  | { kind: 'update-pool'; summary: string; changes: string[]; request: UpdateUserPoolRequest }
  | { kind: 'set-mfa-config'; summary: string; changes: string[]; request: SetUserPoolMfaConfigRequest }
  | { kind: 'create-client'; summary: string; request: CreateUserPoolClientRequest }
  | { kind: 'update-client'; summary: string; changes: string[]; request: UpdateUserPoolClientRequest };

export interface SetupPlan {
  steps: SetupStep[];
  /** What the setup cannot do by itself: missing input, or settings Cognito never changes on an existing pool. */
  blockers: string[];
  /** Worth knowing, needs no change. */
  notes: string[];
}

// Every field UpdateUserPool accepts, taken from DescribeUserPool (Name becomes PoolName). Typed as a
// complete record, so a field a newer SDK adds breaks the build here instead of being reset silently.
const POOL_UPDATE_FIELDS: Record<Exclude<keyof UpdateUserPoolRequest, 'UserPoolId' | 'PoolName'>, true> = {
  Policies: true,
  DeletionProtection: true,
  LambdaConfig: true,
  AutoVerifiedAttributes: true,
  SmsVerificationMessage: true,
  EmailVerificationMessage: true,
  EmailVerificationSubject: true,
  VerificationMessageTemplate: true,
  SmsAuthenticationMessage: true,
  UserAttributeUpdateSettings: true,
  MfaConfiguration: true,
  DeviceConfiguration: true,
  EmailConfiguration: true,
  SmsConfiguration: true,
  UserPoolTags: true,
  AdminCreateUserConfig: true,
  UserPoolAddOns: true,
  DcrConfiguration: true,
  AccountRecoverySetting: true,
  UserPoolTier: true,
  KeyConfiguration: true,
  IssuerConfiguration: true,
  AcrConfiguration: true,
};

const CLIENT_UPDATE_FIELDS: Record<Exclude<keyof UpdateUserPoolClientRequest, 'UserPoolId' | 'ClientId'>, true> = {
  ClientName: true,
  RefreshTokenValidity: true,
  AccessTokenValidity: true,
  IdTokenValidity: true,
  TokenValidityUnits: true,
  ReadAttributes: true,
  WriteAttributes: true,
  ExplicitAuthFlows: true,
  SupportedIdentityProviders: true,
  CallbackURLs: true,
  LogoutURLs: true,
  DefaultRedirectURI: true,
  AllowedOAuthFlows: true,
  AllowedOAuthScopes: true,
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: true,
  PreventUserExistenceErrors: true,
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: true,
  RefreshTokenRotation: true,
};

// Every field SetUserPoolMfaConfig accepts, from GetUserPoolMfaConfig: like UpdateUserPool, what a
// request leaves out is not kept.
const MFA_CONFIG_FIELDS: Record<Exclude<keyof SetUserPoolMfaConfigRequest, 'UserPoolId'>, true> = {
  SmsMfaConfiguration: true,
  SoftwareTokenMfaConfiguration: true,
  EmailMfaConfiguration: true,
  MfaConfiguration: true,
  WebAuthnConfiguration: true,
};

function copyFields<T extends object>(source: object, fields: Record<string, true>): Partial<T> {
  const copy: Record<string, unknown> = {};
  for (const field of Object.keys(fields)) {
    const value = (source as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) copy[field] = structuredClone(value);
  }
  return copy as Partial<T>;
}

/** UpdateUserPool with the pool's whole current configuration, and `changes` on top. */
export function poolUpdateRequest(pool: UserPoolType, changes: Partial<UpdateUserPoolRequest>): UpdateUserPoolRequest {
  const request: UpdateUserPoolRequest = {
    ...copyFields<UpdateUserPoolRequest>(pool, POOL_UPDATE_FIELDS),
    ...(pool.Name ? { PoolName: pool.Name } : {}),
    ...changes,
    UserPoolId: pool.Id,
  };
  // DescribeUserPool returns the deprecated UnusedAccountValidityDays next to its replacement;
  // Cognito refuses an update that carries both.
  if (request.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays !== undefined && request.AdminCreateUserConfig) {
    delete request.AdminCreateUserConfig.UnusedAccountValidityDays;
  }
  return request;
}

/** UpdateUserPoolClient with the client's whole current configuration, and `changes` on top. */
export function clientUpdateRequest(
  client: UserPoolClientType,
  changes: Partial<UpdateUserPoolClientRequest>,
): UpdateUserPoolClientRequest {
  return {
    ...copyFields<UpdateUserPoolClientRequest>(client, CLIENT_UPDATE_FIELDS),
    ...changes,
    UserPoolId: client.UserPoolId,
    ClientId: client.ClientId,
  };
}

/** SetUserPoolMfaConfig with the pool's whole current MFA and WebAuthn configuration, and `changes` on top. */
export function mfaConfigRequest(
  userPoolId: string,
  current: GetUserPoolMfaConfigResponse | undefined,
  changes: Partial<SetUserPoolMfaConfigRequest>,
): SetUserPoolMfaConfigRequest {
  return {
    ...copyFields<SetUserPoolMfaConfigRequest>(current ?? {}, MFA_CONFIG_FIELDS),
    ...changes,
    UserPoolId: userPoolId,
  };
}

const SECONDS_PER: Record<TimeUnitsType, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** A token lifetime in seconds, with Cognito's defaults for what the client leaves unset. */
function lifetimeSeconds(
  value: number | undefined,
  unit: TimeUnitsType | undefined,
  defaults: { value: number; unit: TimeUnitsType },
): number {
  if (value === undefined) return defaults.value * SECONDS_PER[defaults.unit];
  return value * SECONDS_PER[unit ?? defaults.unit];
}

function describeSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** What a new app client for this app looks like. */
export function appClientRequest(
  userPoolId: string,
  sessionLifetimeSeconds: number,
  flows: readonly ExplicitAuthFlowsType[] = APP_AUTH_FLOWS,
): CreateUserPoolClientRequest {
  return {
    UserPoolId: userPoolId,
    ClientName: APP_CLIENT_NAME,
    GenerateSecret: true,
    ExplicitAuthFlows: [...flows],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    IdTokenValidity: MAX_ID_ACCESS_TOKEN_MINUTES,
    AccessTokenValidity: MAX_ID_ACCESS_TOKEN_MINUTES,
    RefreshTokenValidity: refreshTokenDays(sessionLifetimeSeconds),
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
  };
}

function refreshTokenDays(sessionLifetimeSeconds: number): number {
  return Math.max(DEFAULT_REFRESH_TOKEN_DAYS, Math.ceil(sessionLifetimeSeconds / 86400));
}

function planCustomAttributes(pool: UserPoolType, plan: SetupPlan): void {
  const missing: string[] = [];
  for (const attribute of APP_CUSTOM_ATTRIBUTES) {
    const name = `custom:${attribute}`;
    const existing = pool.SchemaAttributes?.find((schema) => schema.Name === name);
    if (!existing) {
      missing.push(attribute);
    } else if (existing.AttributeDataType && existing.AttributeDataType !== 'String') {
      plan.blockers.push(
        `${name} exists as ${existing.AttributeDataType}, but the app stores strings in it; Cognito can neither change nor remove a custom attribute, so this pool needs a new one`,
      );
    }
  }
  if (missing.length > 0) {
    plan.steps.push({
      kind: 'add-custom-attribute',
      summary: `add the custom attribute${missing.length > 1 ? 's' : ''} ${missing.map((name) => `custom:${name}`).join(', ')} (String, mutable)`,
      request: {
        UserPoolId: pool.Id,
        CustomAttributes: missing.map((name) => ({ Name: name, AttributeDataType: 'String', Mutable: true })),
      },
    });
  }
}

function planPoolUpdate(pool: UserPoolType, wanted: TriggerArns, plan: SetupPlan): void {
  const current: LambdaConfigType = pool.LambdaConfig ?? {};
  const lambdaConfig: LambdaConfigType = { ...current };
  const changes: string[] = [];
  for (const trigger of TRIGGERS) {
    const arn = wanted[trigger];
    if (arn && arn !== current[trigger]) {
      lambdaConfig[trigger] = arn;
      changes.push(current[trigger] ? `${trigger}: ${current[trigger]} -> ${arn}` : `${trigger}: attach ${arn}`);
    } else if (!arn && !current[trigger]) {
      const input = TRIGGER_INPUTS[trigger];
      plan.blockers.push(
        `no ${trigger} trigger on the pool: pass ${input.flag}=<function ARN> (or set ${input.env}); infra/ deploys the function`,
      );
    }
  }
  if (changes.length > 0) {
    plan.steps.push({
      kind: 'update-pool',
      summary: 'attach the CUSTOM_AUTH triggers (the rest of the pool configuration is sent back unchanged)',
      changes,
      request: poolUpdateRequest(pool, { LambdaConfig: lambdaConfig }),
    });
  }
  const emailSignIn = pool.UsernameAttributes?.includes('email') || pool.AliasAttributes?.includes('email');
  if (!emailSignIn) {
    plan.notes.push(
      'the pool signs in with plain usernames: the app finds users by email, so existing users whose username is not their email are not found (sign-in attributes cannot change after a pool is created)',
    );
  }
}

function planClient(state: SetupState, needs: SetupRequirements, plan: SetupPlan): void {
  const { client, pool } = state;
  const appFlows = needs.native ? NATIVE_PASSKEY_REQUIREMENTS.authFlows : APP_AUTH_FLOWS;
  if (!client || !client.ClientSecret) {
    if (client) {
      plan.notes.push(
        `app client ${client.ClientId} has no secret, and Cognito cannot add one to an existing client: a new client takes its place`,
      );
    }
    plan.steps.push({
      kind: 'create-client',
      summary: `create the app client ${APP_CLIENT_NAME} with a secret and exactly the flows the app uses`,
      request: appClientRequest(pool.Id!, needs.sessionLifetimeSeconds, appFlows),
    });
    return;
  }

  const changes: string[] = [];
  const update: Partial<UpdateUserPoolClientRequest> = {};
  const flows = client.ExplicitAuthFlows ?? [];
  const missing = appFlows.filter((flow) => !flows.includes(flow));
  if (missing.length > 0) {
    update.ExplicitAuthFlows = [...flows, ...missing];
    changes.push(`auth flows: add ${missing.join(', ')}`);
  }
  const extra = flows.filter((flow) => !appFlows.includes(flow));
  if (extra.length > 0) {
    plan.notes.push(
      `the client also allows ${extra.join(', ')}, which this app does not use; kept, in case another app relies on them`,
    );
  }
  if (client.PreventUserExistenceErrors !== 'ENABLED') {
    update.PreventUserExistenceErrors = 'ENABLED';
    changes.push(`PreventUserExistenceErrors: ${client.PreventUserExistenceErrors ?? 'LEGACY'} -> ENABLED`);
  }
  if (client.EnableTokenRevocation !== true) {
    update.EnableTokenRevocation = true;
    changes.push('token revocation: off -> on (sign-out revokes the refresh token)');
  }

  const units: TokenValidityUnitsType = { ...client.TokenValidityUnits };
  const hourDefault = { value: 1, unit: 'hours' as const };
  for (const [token, field] of [
    ['IdToken', 'IdTokenValidity'],
    ['AccessToken', 'AccessTokenValidity'],
  ] as const) {
    const seconds = lifetimeSeconds(client[field], client.TokenValidityUnits?.[token], hourDefault);
    if (seconds > MAX_ID_ACCESS_TOKEN_MINUTES * 60) {
      update[field] = MAX_ID_ACCESS_TOKEN_MINUTES;
      units[token] = 'minutes';
      changes.push(`${token} lifetime: ${describeSeconds(seconds)} -> ${MAX_ID_ACCESS_TOKEN_MINUTES} min`);
    }
  }
  const refreshSeconds = lifetimeSeconds(client.RefreshTokenValidity, client.TokenValidityUnits?.RefreshToken, {
    value: 30,
    unit: 'days',
  });
  if (refreshSeconds < needs.sessionLifetimeSeconds) {
    const days = refreshTokenDays(needs.sessionLifetimeSeconds);
    update.RefreshTokenValidity = days;
    units.RefreshToken = 'days';
    changes.push(
      `RefreshToken lifetime: ${describeSeconds(refreshSeconds)} -> ${days} d (sessions last up to ${describeSeconds(needs.sessionLifetimeSeconds)})`,
    );
  }
  if (
    update.IdTokenValidity !== undefined ||
    update.AccessTokenValidity !== undefined ||
    update.RefreshTokenValidity !== undefined
  ) {
    update.TokenValidityUnits = units;
  }

  const appOwned = APP_CUSTOM_ATTRIBUTES.map((name) => `custom:${name}`);
  const writable = client.WriteAttributes?.filter((name) => appOwned.includes(name)) ?? [];
  if (writable.length > 0) {
    update.WriteAttributes = client.WriteAttributes!.filter((name) => !appOwned.includes(name));
    changes.push(
      `write attributes: remove ${writable.join(', ')} (only the app may set them, never a user with their own token)`,
    );
  }

  if (changes.length > 0) {
    plan.steps.push({
      kind: 'update-client',
      summary: `update app client ${client.ClientId} (the rest of its configuration is sent back unchanged)`,
      changes,
      request: clientUpdateRequest(client, update),
    });
  }
}

/** The steps that make the pool and client fit the app; none when they already do. */
export function planCognitoSetup(state: SetupState, needs: SetupRequirements): SetupPlan {
  const plan: SetupPlan = { steps: [], blockers: [], notes: [] };
  for (const trigger of TRIGGERS) {
    const arn = needs.triggers[trigger];
    if (arn !== undefined && !isLambdaArn(arn)) {
      plan.blockers.push(`${TRIGGER_INPUTS[trigger].flag}: "${arn}" is not a Lambda function ARN`);
    }
  }
  if (needs.native && state.pool.UserPoolTier === 'LITE' && !needs.native.upgradeFeaturePlanTo) {
    // Cognito refuses every native setting on Lite: the plan changes nothing, not even the client.
    plan.blockers.push(
      litePlanRefusal(
        `run again with ${FEATURE_PLAN_FLAG}=essentials to move it to Essentials (billed per monthly active user), or choose another PASSKEY_LAYER`,
      ),
    );
  }
  if (plan.blockers.length > 0) return plan;
  planCustomAttributes(state.pool, plan);
  if (needs.native) planNativePasskeys(state, needs.native, plan);
  else planPoolUpdate(state.pool, needs.triggers, plan);
  planClient(state, needs, plan);
  return plan;
}

/**
 * Cognito's native passkeys: the Essentials or Plus plan, the sign-in policy's first factors,
 * the WebAuthn relying party and user verification (SetUserPoolMfaConfig), and no triggers.
 */
function planNativePasskeys(state: SetupState, native: NativePasskeySetup, plan: SetupPlan): void {
  const { pool, mfa } = state;
  const needs = NATIVE_PASSKEY_REQUIREMENTS;
  const poolChanges: Partial<UpdateUserPoolRequest> = {};
  const changes: string[] = [];

  const tier = pool.UserPoolTier;
  if (tier === 'LITE' && native.upgradeFeaturePlanTo) {
    poolChanges.UserPoolTier = native.upgradeFeaturePlanTo;
    changes.push(
      `feature plan: LITE -> ${native.upgradeFeaturePlanTo} (as ${FEATURE_PLAN_FLAG} asked; billed per monthly active user)`,
    );
  } else if (tier === undefined) {
    plan.notes.push("the pool reports no feature plan; Cognito's own passkeys need Essentials or Plus");
  }

  const factors = pool.Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD'];
  const missingFactors = needs.firstAuthFactors.filter((factor) => !factors.includes(factor));
  if (missingFactors.length > 0) {
    poolChanges.Policies = {
      ...structuredClone(pool.Policies),
      SignInPolicy: { AllowedFirstAuthFactors: [...factors, ...missingFactors] },
    };
    changes.push(`first sign-in factors: add ${missingFactors.join(', ')}`);
  }
  if (changes.length > 0) {
    plan.steps.push({
      kind: 'update-pool',
      summary:
        'let users sign in with a passkey, an email code or the password (the rest of the pool configuration is sent back unchanged)',
      changes,
      request: poolUpdateRequest(pool, poolChanges),
    });
  }

  const current = mfa?.WebAuthnConfiguration;
  const webAuthnChanges: string[] = [];
  let relyingPartyId = current?.RelyingPartyId;
  if (!relyingPartyId) {
    relyingPartyId = native.appHost;
    webAuthnChanges.push(`WebAuthn relying party: ${relyingPartyId} (the app's host)`);
  } else if (!relyingPartyServesHost(relyingPartyId, native.appHost)) {
    webAuthnChanges.push(
      `WebAuthn relying party: ${relyingPartyId} -> ${native.appHost} (the app's host; passkeys registered for ${relyingPartyId} cannot sign in here)`,
    );
    relyingPartyId = native.appHost;
  }
  if (current?.UserVerification !== native.userVerification) {
    webAuthnChanges.push(
      `WebAuthn user verification: ${current?.UserVerification ?? 'unset'} -> ${native.userVerification}`,
    );
  }
  if (webAuthnChanges.length > 0) {
    plan.steps.push({
      kind: 'set-mfa-config',
      summary: 'configure passkeys (the pool’s MFA settings are sent back unchanged)',
      changes: webAuthnChanges,
      request: mfaConfigRequest(pool.Id!, mfa, {
        WebAuthnConfiguration: {
          ...current,
          RelyingPartyId: relyingPartyId,
          UserVerification: native.userVerification,
        },
      }),
    });
  }

  if (mfa?.MfaConfiguration === 'ON') {
    plan.blockers.push(
      'the pool requires MFA of every user, and Cognito offers no passkey or email-code sign-in to users who must use MFA: set the pool’s MFA to optional or off (SetUserPoolMfaConfig MfaConfiguration)',
    );
  }
  if (pool.EmailConfiguration?.EmailSendingAccount !== 'DEVELOPER') {
    plan.notes.push(
      'the pool sends email with Cognito’s default sender, which allows only a few messages a day per pool; the email codes of sign-up and sign-in need more in production: send with Amazon SES (EmailConfiguration EmailSendingAccount DEVELOPER)',
    );
  }
  const triggers = TRIGGERS.filter((trigger) => pool.LambdaConfig?.[trigger]);
  if (triggers.length > 0) {
    plan.notes.push(
      `the pool has the ${triggers.join(', ')} trigger${triggers.length > 1 ? 's' : ''}, which Cognito's own passkeys do not use; kept, in case another layer or app relies on them`,
    );
  }
}

/** The plan as lines for a person to read. */
export function describePlan(plan: SetupPlan): string[] {
  const lines: string[] = [];
  if (plan.steps.length === 0) {
    lines.push(
      plan.blockers.length === 0
        ? 'Nothing to change: the pool and the app client have everything the app needs.'
        : 'Nothing the setup can change by itself; see below.',
    );
  }
  for (const [index, step] of plan.steps.entries()) {
    lines.push(`${index + 1}. ${step.summary}`);
    if ('changes' in step) for (const change of step.changes) lines.push(`   - ${change}`);
  }
  for (const blocker of plan.blockers) lines.push(`Cannot do: ${blocker}`);
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  return lines;
}

export interface CognitoEnvironment {
  region: string;
  userPoolId: string;
  clientId: string;
  clientSecret: string | null;
  endpoint: string | null;
}

/** The .env lines that point the app at this pool and client. */
export function environmentLines(env: CognitoEnvironment): string[] {
  return [
    `COGNITO_REGION=${env.region}`,
    `COGNITO_USER_POOL_ID=${env.userPoolId}`,
    `COGNITO_CLIENT_ID=${env.clientId}`,
    `COGNITO_CLIENT_SECRET=${env.clientSecret ?? ''}`,
    ...(env.endpoint ? [`COGNITO_ENDPOINT=${env.endpoint}`] : []),
  ];
}

/**
 * The verify function's key set (AUTH_CHALLENGE_PUBLIC_KEYS, when given) against the app's
 * signing key: the lines to print, and a blocker when the set lacks the app's key, since every
 * sign-in would then be refused. Without a set, the line that gives the function the app's key.
 */
export function challengeKeySetReport(
  publicKeysText: string | undefined,
  signingKey: KeyObject,
): { lines: string[]; blocker: string | null } {
  const kid = challengeKeyId(signingKey);
  const publicPem = createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }).toString();
  if (!publicKeysText?.trim()) {
    const oneLine = publicPem.trim().replace(/\n/g, '\\n');
    return {
      lines: [
        `# The verify-auth-challenge function trusts the app's key (kid ${kid}): AUTH_CHALLENGE_PUBLIC_KEYS="${oneLine}"`,
      ],
      blocker: null,
    };
  }
  let set;
  try {
    set = parseChallengePublicKeys(publicKeysText);
  } catch (error) {
    if (error instanceof ChallengeKeySetError)
      return { lines: [], blocker: `AUTH_CHALLENGE_PUBLIC_KEYS ${error.message}` };
    throw error;
  }
  const kids = [...set.keys()].map((k) => (k === kid ? `${k} (the app signs with it)` : k));
  const lines = [`Challenge key set: ${set.size} key${set.size === 1 ? '' : 's'}: ${kids.join(', ')}.`];
  if (!set.has(kid)) {
    return {
      lines,
      blocker: `AUTH_CHALLENGE_PUBLIC_KEYS lacks the app's signing key (kid ${kid}): the verify function would refuse every sign-in. Add the key to the function first (docs/DEPLOYMENT.md, key rotation).`,
    };
  }
  return { lines, blocker: null };
}
