/**
 * What a Cognito user pool and app client must have for this app, written once. Plain data and
 * types: no AWS SDK and no `server-only`, so that `npm run cognito:setup`
 * (scripts/cognito-setup-plan.ts), the embedded Cognito (embedded-cognito/index.ts) and the CDK
 * stack (infra/) all import it. The names follow Cognito's API (DescribeUserPool,
 * DescribeUserPoolClient, GetUserPoolMfaConfig).
 *
 * Two ways to Cognito's tokens, and so two sets of pool requirements:
 * - `custom-auth`: the self-hosted and Corbado layers verify the passkey themselves and answer
 *   CUSTOM_AUTH through the app's three Lambda triggers (any feature plan, Lite included);
 * - `native`: Cognito's own passkeys (USER_AUTH with WEB_AUTHN, EMAIL_OTP or PASSWORD), which
 *   need the Essentials or Plus feature plan, a WebAuthn configuration and a sign-in policy, and
 *   no trigger at all.
 *
 * What AWS documents for the native layer (read 2026-12-07):
 * - SignInPolicyType and WebAuthnConfigurationType: "your user pool must be in the Essentials tier
 *   or higher"; AllowedFirstAuthFactors takes PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN
 *   (docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignInPolicyType.html,
 *   .../API_WebAuthnConfigurationType.html); EmailMfaConfigType, the sign-in code's message, too.
 * - Email: AWS requires Amazon SES (EmailSendingAccount DEVELOPER) for email *MFA*
 *   (docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-advanced-security-email-mfa.html;
 *   CDK enforces the same only for MFA). For EMAIL_OTP as a first factor we found no such rule;
 *   Cognito's default sender "allows only a limited number of emails each day" (EmailConfigurationType),
 *   so the setup notes it and infra/ warns, rather than refuse.
 * - MFA and passwordless sign-in exclude each other for a user (docs.amplify.aws, passwordless):
 *   a pool that requires MFA offers no passkey or email-code first factor.
 */
import type { PasskeyLayerName } from '../config/types';

/** The name of the app client the setup and infra/ create, and find again on a later run. */
export const APP_CLIENT_NAME = 'cognito-passkeys-app';

/**
 * The custom attributes the app writes (String, mutable; never writable by a user's own token):
 * `createdByCorbado` marks users it provisioned, `corbadoUserId` links a pre-existing user to its
 * Corbado user (Complete), `hasPasskey` records that Corbado Connect appended a passkey (its
 * post-append Action), `skipPasskeyOffer` that the user asked not to be offered a passkey after a
 * sign-in again. Every layer keeps them, so a pool can change layers without a new pool: Cognito
 * can never remove a custom attribute.
 */
export const APP_CUSTOM_ATTRIBUTES = ['createdByCorbado', 'corbadoUserId', 'hasPasskey', 'skipPasskeyOffer'] as const;
export type AppCustomAttribute = (typeof APP_CUSTOM_ATTRIBUTES)[number];

/** A custom attribute as CreateUserPool's `Schema` and AddCustomAttributes take it. */
export interface CustomAttributeSchema {
  Name: AppCustomAttribute;
  AttributeDataType: 'String';
  Mutable: true;
}

export const APP_CUSTOM_ATTRIBUTE_SCHEMA: readonly CustomAttributeSchema[] = APP_CUSTOM_ATTRIBUTES.map((Name) => ({
  Name,
  AttributeDataType: 'String',
  Mutable: true,
}));

/** Users sign in with their email address as the username. */
export const USERNAME_ATTRIBUTES = ['email'] as const;

/** ID and access tokens live at most this long (Cognito's default); the middleware refreshes them silently. */
export const MAX_ID_ACCESS_TOKEN_MINUTES = 60;
/** Refresh tokens live at least this long, and longer when the app's sessions do. */
export const DEFAULT_REFRESH_TOKEN_DAYS = 30;

/** The CUSTOM_AUTH triggers (lambdas/), named as the pool's LambdaConfig names them. */
export const CUSTOM_AUTH_TRIGGERS = [
  'DefineAuthChallenge',
  'CreateAuthChallenge',
  'VerifyAuthChallengeResponse',
] as const;
export type CustomAuthTrigger = (typeof CUSTOM_AUTH_TRIGGERS)[number];

export type ExplicitAuthFlow =
  'ALLOW_CUSTOM_AUTH' | 'ALLOW_USER_AUTH' | 'ALLOW_USER_PASSWORD_AUTH' | 'ALLOW_REFRESH_TOKEN_AUTH';
/** The feature plans (UserPoolTier) Cognito sells; the first is the free one. */
export type FeaturePlan = 'LITE' | 'ESSENTIALS' | 'PLUS';
export type FirstAuthFactor = 'PASSWORD' | 'EMAIL_OTP' | 'WEB_AUTHN';
export type WebAuthnUserVerification = 'required' | 'preferred';

/** How the app gets Cognito's tokens: its own CUSTOM_AUTH triggers, or Cognito's native passkeys. */
export type CognitoSignIn = 'custom-auth' | 'native';

/** The passkey layers (the PASSKEY_LAYER setting) and the way each gets Cognito's tokens. */
export const PASSKEY_LAYER_SIGN_IN = {
  'self-hosted': 'custom-auth',
  'corbado-connect': 'custom-auth',
  'corbado-complete': 'custom-auth',
  'cognito-native': 'native',
} as const satisfies Record<PasskeyLayerName, CognitoSignIn>;

export type { PasskeyLayerName };

export function isPasskeyLayerName(value: string): value is PasskeyLayerName {
  return Object.hasOwn(PASSKEY_LAYER_SIGN_IN, value);
}

export interface CustomAuthRequirements {
  signIn: 'custom-auth';
  /**
   * Exactly the flows the app uses: CUSTOM_AUTH for a passkey (or code, or Corbado) sign-in,
   * USER_PASSWORD_AUTH for the password route every layer shares, refresh for the middleware.
   */
  authFlows: readonly ExplicitAuthFlow[];
  triggers: readonly CustomAuthTrigger[];
}

export interface NativePasskeyRequirements {
  signIn: 'native';
  /**
   * USER_AUTH (choice-based sign-in: WEB_AUTHN, EMAIL_OTP, PASSWORD), USER_PASSWORD_AUTH for the
   * password route every layer shares, refresh for the middleware. No CUSTOM_AUTH.
   */
  authFlows: readonly ExplicitAuthFlow[];
  /** None: Cognito verifies the passkey and the email code itself. */
  triggers: readonly [];
  /** Cognito offers passkeys, email codes and the sign-in policy on these plans only (not Lite). */
  featurePlans: readonly FeaturePlan[];
  /** The plan the setup moves a Lite pool to when asked to (the cheaper of the two). */
  upgradeFeaturePlan: FeaturePlan;
  /** Policies.SignInPolicy.AllowedFirstAuthFactors: the three ways in the login page offers. */
  firstAuthFactors: readonly FirstAuthFactor[];
  /**
   * WebAuthnConfiguration.UserVerification: `required`, as the self-hosted layer asks, since the
   * passkey is the only factor (a device the user holds, unlocked by what they are or know).
   */
  userVerification: WebAuthnUserVerification;
}

export type PoolRequirements = CustomAuthRequirements | NativePasskeyRequirements;

export const CUSTOM_AUTH_REQUIREMENTS: CustomAuthRequirements = {
  signIn: 'custom-auth',
  authFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  triggers: CUSTOM_AUTH_TRIGGERS,
};

export const NATIVE_PASSKEY_REQUIREMENTS: NativePasskeyRequirements = {
  signIn: 'native',
  authFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  triggers: [],
  featurePlans: ['ESSENTIALS', 'PLUS'],
  upgradeFeaturePlan: 'ESSENTIALS',
  firstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'],
  userVerification: 'required',
};

export function poolRequirements(signIn: CognitoSignIn): PoolRequirements {
  return signIn === 'native' ? NATIVE_PASSKEY_REQUIREMENTS : CUSTOM_AUTH_REQUIREMENTS;
}

/**
 * Whether passkeys registered for `relyingPartyId` work on `host`: the RP ID is the host itself
 * or a registrable suffix of it (WebAuthn: `example.com` serves `app.example.com`).
 */
export function relyingPartyServesHost(relyingPartyId: string, host: string): boolean {
  const rp = relyingPartyId.toLowerCase();
  const h = host.toLowerCase();
  return h === rp || (rp.includes('.') && h.endsWith(`.${rp}`));
}

/**
 * The one line that says why a Lite pool cannot serve the native layer, and what to do; the
 * setup and infra/ both refuse with it.
 */
export function litePlanRefusal(howToUpgrade: string): string {
  return `the pool is on the Lite feature plan, and Cognito's own passkeys (WebAuthn, email codes, the sign-in policy) need Essentials or Plus: ${howToUpgrade}`;
}
