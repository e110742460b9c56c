import type {
  GetUserPoolMfaConfigResponse,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { litePlanRefusal } from '../../lib/cognito/requirements';
import {
  clientUpdateRequest,
  describePlan,
  mfaConfigRequest,
  planCognitoSetup,
  poolUpdateRequest,
  type NativePasskeySetup,
  type SetupStep,
} from '../../scripts/cognito-setup-plan';

/**
 * The planner on configurations shaped like real DescribeUserPool / DescribeUserPoolClient answers
 * from AWS, with the settings the embedded Cognito does not model (deletion protection, SES,
 * threat protection, managed login, refresh token rotation...). Whatever an update leaves out,
 * AWS resets: these prove the updates carry all of it.
 */

const awsPool: UserPoolType = {
  Id: 'eu-central-1_AbC123',
  Name: 'production-users',
  Arn: 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_AbC123',
  Status: 'Enabled',
  CreationDate: new Date('2024-01-01T00:00:00Z'),
  LastModifiedDate: new Date('2024-06-01T00:00:00Z'),
  EstimatedNumberOfUsers: 18234,
  UsernameAttributes: ['email'],
  UsernameConfiguration: { CaseSensitive: false },
  Policies: {
    PasswordPolicy: {
      MinimumLength: 10,
      RequireUppercase: true,
      RequireLowercase: true,
      RequireNumbers: true,
      RequireSymbols: false,
      TemporaryPasswordValidityDays: 3,
    },
    SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD'] },
  },
  DeletionProtection: 'ACTIVE',
  LambdaConfig: {
    PreTokenGeneration: 'arn:aws:lambda:eu-central-1:123456789012:function:claims',
    PreTokenGenerationConfig: {
      LambdaVersion: 'V2_0',
      LambdaArn: 'arn:aws:lambda:eu-central-1:123456789012:function:claims',
    },
  },
  SchemaAttributes: [{ Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true }],
  AutoVerifiedAttributes: ['email'],
  VerificationMessageTemplate: {
    DefaultEmailOption: 'CONFIRM_WITH_CODE',
    EmailMessage: 'Code {####}',
    EmailSubject: 'Your code',
  },
  EmailVerificationMessage: 'Code {####}',
  EmailVerificationSubject: 'Your code',
  UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
  MfaConfiguration: 'OPTIONAL',
  DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
  EmailConfiguration: {
    EmailSendingAccount: 'DEVELOPER',
    SourceArn: 'arn:aws:ses:eu-central-1:123456789012:identity/example.com',
    From: 'no-reply@example.com',
  },
  UserPoolTags: { team: 'identity' },
  AdminCreateUserConfig: {
    AllowAdminCreateUserOnly: true,
    UnusedAccountValidityDays: 3,
    InviteMessageTemplate: { EmailSubject: 'Welcome' },
  },
  UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
  AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
  UserPoolTier: 'ESSENTIALS',
  Domain: 'login-example',
};

const awsClient: UserPoolClientType = {
  UserPoolId: awsPool.Id,
  ClientId: '4example0client0id000000',
  ClientName: 'web',
  ClientSecret: 'secret-value',
  CreationDate: new Date('2024-01-01T00:00:00Z'),
  LastModifiedDate: new Date('2024-06-01T00:00:00Z'),
  ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  PreventUserExistenceErrors: 'ENABLED',
  EnableTokenRevocation: true,
  IdTokenValidity: 60,
  AccessTokenValidity: 60,
  RefreshTokenValidity: 30,
  TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
  ReadAttributes: ['email', 'email_verified'],
  WriteAttributes: ['email'],
  SupportedIdentityProviders: ['COGNITO', 'Google'],
  CallbackURLs: ['https://app.example.com/callback'],
  LogoutURLs: ['https://app.example.com/'],
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: ['openid', 'email'],
  AllowedOAuthFlowsUserPoolClient: true,
  AuthSessionValidity: 5,
  EnablePropagateAdditionalUserContextData: true,
  RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
  ClientType: 'REGULAR',
};

const triggers = {
  DefineAuthChallenge: 'arn:aws:lambda:eu-central-1:123456789012:function:define',
  CreateAuthChallenge: 'arn:aws:lambda:eu-central-1:123456789012:function:create',
  VerifyAuthChallengeResponse: 'arn:aws:lambda:eu-central-1:123456789012:function:verify',
};

describe('the update requests the setup sends', () => {
  it('UpdateUserPool carries every updatable setting of the described pool, the pool name as PoolName, and only the triggers changed', () => {
    const request = poolUpdateRequest(awsPool, { LambdaConfig: { ...awsPool.LambdaConfig, ...triggers } });
    expect(request).toEqual({
      UserPoolId: awsPool.Id,
      PoolName: 'production-users',
      Policies: awsPool.Policies,
      DeletionProtection: 'ACTIVE',
      LambdaConfig: { ...awsPool.LambdaConfig, ...triggers },
      AutoVerifiedAttributes: ['email'],
      VerificationMessageTemplate: awsPool.VerificationMessageTemplate,
      EmailVerificationMessage: 'Code {####}',
      EmailVerificationSubject: 'Your code',
      UserAttributeUpdateSettings: awsPool.UserAttributeUpdateSettings,
      MfaConfiguration: 'OPTIONAL',
      DeviceConfiguration: awsPool.DeviceConfiguration,
      EmailConfiguration: awsPool.EmailConfiguration,
      UserPoolTags: { team: 'identity' },
      // The deprecated twin of TemporaryPasswordValidityDays, which Cognito refuses alongside it.
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailSubject: 'Welcome' } },
      UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
      AccountRecoverySetting: awsPool.AccountRecoverySetting,
      UserPoolTier: 'ESSENTIALS',
    });
    // The described pool itself is not modified.
    expect(awsPool.AdminCreateUserConfig?.UnusedAccountValidityDays).toBe(3);
  });

  it('UpdateUserPoolClient carries every updatable setting of the described client and never its secret or dates', () => {
    const request = clientUpdateRequest(awsClient, { ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] });
    const {
      ClientSecret: _secret,
      CreationDate: _created,
      LastModifiedDate: _modified,
      ClientType: _type,
      ...updatable
    } = awsClient;
    expect(request).toEqual({ ...updatable, ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] });
  });
});

describe('the plan for a pool and client as AWS describes them', () => {
  it('adds only the attributes, the triggers and ALLOW_CUSTOM_AUTH, keeping the rest', () => {
    const plan = planCognitoSetup(
      { pool: awsPool, client: awsClient },
      { triggers, sessionLifetimeSeconds: 7 * 86400 },
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((step) => step.kind)).toEqual(['add-custom-attribute', 'update-pool', 'update-client']);
    const client = plan.steps.find((step) => step.kind === 'update-client');
    expect(client?.kind === 'update-client' && client.changes).toEqual(['auth flows: add ALLOW_CUSTOM_AUTH']);
    expect(client?.kind === 'update-client' && client.request.RefreshTokenRotation).toEqual({
      Feature: 'ENABLED',
      RetryGracePeriodSeconds: 10,
    });
  });

  it('notes a pool that signs in with plain usernames, which no update can change', () => {
    const plan = planCognitoSetup(
      { pool: { ...awsPool, UsernameAttributes: undefined, AliasAttributes: undefined }, client: awsClient },
      { triggers, sessionLifetimeSeconds: 86400 },
    );
    expect(plan.notes.join('\n')).toContain('the pool signs in with plain usernames');
  });

  it('treats a client with no token lifetimes set as Cognito’s defaults (1 h tokens, 30 d refresh), which need no change', () => {
    const {
      IdTokenValidity: _i,
      AccessTokenValidity: _a,
      RefreshTokenValidity: _r,
      TokenValidityUnits: _u,
      ...defaults
    } = awsClient;
    const plan = planCognitoSetup(
      {
        pool: awsPool,
        client: {
          ...defaults,
          ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
      },
      { triggers, sessionLifetimeSeconds: 7 * 86400 },
    );
    expect(plan.steps.map((step) => step.kind)).toEqual(['add-custom-attribute', 'update-pool']);
  });
});

/** GetUserPoolMfaConfig of a pool with optional TOTP and email MFA, and no passkeys yet. */
const awsMfa: GetUserPoolMfaConfigResponse = {
  MfaConfiguration: 'OPTIONAL',
  SoftwareTokenMfaConfiguration: { Enabled: true },
  EmailMfaConfiguration: { Message: 'Your code is {####}', Subject: 'Sign-in code' },
  SmsMfaConfiguration: { SmsAuthenticationMessage: 'Code {####}' },
};

const native: NativePasskeySetup = {
  appHost: 'app.example.com',
  userVerification: 'required',
  upgradeFeaturePlanTo: null,
};
const nativeNeeds = (overrides: Partial<NativePasskeySetup> = {}) => ({
  triggers: {},
  sessionLifetimeSeconds: 7 * 86400,
  native: { ...native, ...overrides },
});
const stepOf = <K extends SetupStep['kind']>(steps: SetupStep[], kind: K) =>
  steps.find((step): step is Extract<SetupStep, { kind: K }> => step.kind === kind);

/** The pool and client once the native layer's setup has run on them. */
const nativePool: UserPoolType = {
  ...awsPool,
  Policies: { ...awsPool.Policies, SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] } },
  SchemaAttributes: [
    ...awsPool.SchemaAttributes!,
    ...['createdByCorbado', 'corbadoUserId', 'hasPasskey', 'skipPasskeyOffer'].map((name) => ({
      Name: `custom:${name}`,
      AttributeDataType: 'String' as const,
      Mutable: true,
    })),
  ],
};
const nativeClient: UserPoolClientType = {
  ...awsClient,
  ExplicitAuthFlows: [...awsClient.ExplicitAuthFlows!, 'ALLOW_USER_AUTH'],
};
const nativeMfa: GetUserPoolMfaConfigResponse = {
  ...awsMfa,
  WebAuthnConfiguration: { RelyingPartyId: 'app.example.com', UserVerification: 'required' },
};

describe('the plan for Cognito’s own passkeys (PASSKEY_LAYER=cognito-native)', () => {
  it('on an Essentials pool: adds EMAIL_OTP and WEB_AUTHN to the first factors, sets the relying party and user verification, adds ALLOW_USER_AUTH, and asks for no trigger', () => {
    const plan = planCognitoSetup({ pool: awsPool, client: awsClient, mfa: awsMfa }, nativeNeeds());
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((step) => step.kind)).toEqual([
      'add-custom-attribute',
      'update-pool',
      'set-mfa-config',
      'update-client',
    ]);
    const pool = stepOf(plan.steps, 'update-pool')!;
    expect(pool.changes).toEqual(['first sign-in factors: add EMAIL_OTP, WEB_AUTHN']);
    // Everything else of the pool goes back as it was: triggers, password policy, tier, email.
    expect(pool.request).toEqual(
      poolUpdateRequest(awsPool, {
        Policies: {
          ...awsPool.Policies,
          SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] },
        },
      }),
    );
    const mfa = stepOf(plan.steps, 'set-mfa-config')!;
    expect(mfa.changes).toEqual([
      "WebAuthn relying party: app.example.com (the app's host)",
      'WebAuthn user verification: unset -> required',
    ]);
    // SetUserPoolMfaConfig resets what it is not given, so the pool's MFA settings go back too.
    expect(mfa.request).toEqual({
      UserPoolId: awsPool.Id,
      ...awsMfa,
      WebAuthnConfiguration: { RelyingPartyId: 'app.example.com', UserVerification: 'required' },
    });
    expect(stepOf(plan.steps, 'update-client')!.changes).toEqual(['auth flows: add ALLOW_USER_AUTH']);
  });

  it('finds nothing to change once the pool and client have it all, and notes the triggers it does not use', () => {
    const withTriggers = { ...nativePool, LambdaConfig: { ...nativePool.LambdaConfig, ...triggers } };
    const plan = planCognitoSetup({ pool: withTriggers, client: nativeClient, mfa: nativeMfa }, nativeNeeds());
    expect(plan.steps).toEqual([]);
    expect(plan.blockers).toEqual([]);
    expect(describePlan(plan)[0]).toBe('Nothing to change: the pool and the app client have everything the app needs.');
    expect(plan.notes.join('\n')).toContain(
      "the DefineAuthChallenge, CreateAuthChallenge, VerifyAuthChallengeResponse triggers, which Cognito's own passkeys do not use; kept",
    );
  });

  it('refuses a Lite pool with one line naming the plan and what to do, and plans no change at all', () => {
    const plan = planCognitoSetup(
      { pool: { ...awsPool, UserPoolTier: 'LITE' }, client: awsClient, mfa: awsMfa },
      nativeNeeds(),
    );
    expect(plan.blockers).toEqual([
      litePlanRefusal(
        'run again with --feature-plan=essentials to move it to Essentials (billed per monthly active user), or choose another PASSKEY_LAYER',
      ),
    ]);
    expect(plan.blockers[0]).toMatch(
      /^the pool is on the Lite feature plan, and Cognito's own passkeys .* need Essentials or Plus: run again with --feature-plan=essentials/,
    );
    expect(plan.steps).toEqual([]);
  });

  it('moves a Lite pool to the plan --feature-plan names, in the same update as the sign-in policy', () => {
    const plan = planCognitoSetup(
      { pool: { ...awsPool, UserPoolTier: 'LITE' }, client: awsClient, mfa: awsMfa },
      nativeNeeds({ upgradeFeaturePlanTo: 'ESSENTIALS' }),
    );
    expect(plan.blockers).toEqual([]);
    const pool = stepOf(plan.steps, 'update-pool')!;
    expect(pool.request.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.request.Policies?.SignInPolicy?.AllowedFirstAuthFactors).toEqual([
      'PASSWORD',
      'EMAIL_OTP',
      'WEB_AUTHN',
    ]);
    expect(pool.changes[0]).toBe(
      'feature plan: LITE -> ESSENTIALS (as --feature-plan asked; billed per monthly active user)',
    );
    expect(plan.steps.map((step) => step.kind)).toContain('set-mfa-config');
  });

  it('keeps a relying party that serves the app’s host (a parent domain), and replaces one that does not, saying what breaks', () => {
    const parent = {
      ...nativeMfa,
      WebAuthnConfiguration: { RelyingPartyId: 'example.com', UserVerification: 'required' as const },
    };
    expect(planCognitoSetup({ pool: nativePool, client: nativeClient, mfa: parent }, nativeNeeds()).steps).toEqual([]);

    for (const foreign of ['other.com', 'ample.com', 'com']) {
      const elsewhere = {
        ...nativeMfa,
        WebAuthnConfiguration: { RelyingPartyId: foreign, UserVerification: 'required' as const },
      };
      const plan = planCognitoSetup({ pool: nativePool, client: nativeClient, mfa: elsewhere }, nativeNeeds());
      const mfa = stepOf(plan.steps, 'set-mfa-config')!;
      expect(mfa.changes).toEqual([
        `WebAuthn relying party: ${foreign} -> app.example.com (the app's host; passkeys registered for ${foreign} cannot sign in here)`,
      ]);
      expect(mfa.request.WebAuthnConfiguration?.RelyingPartyId).toBe('app.example.com');
    }
  });

  it('sets the user verification asked for, keeping the rest of the WebAuthn configuration', () => {
    const current = {
      ...nativeMfa,
      WebAuthnConfiguration: { ...nativeMfa.WebAuthnConfiguration, FactorConfiguration: 'SINGLE_FACTOR' as const },
    };
    const plan = planCognitoSetup(
      { pool: nativePool, client: nativeClient, mfa: current },
      nativeNeeds({ userVerification: 'preferred' }),
    );
    const mfa = stepOf(plan.steps, 'set-mfa-config')!;
    expect(mfa.changes).toEqual(['WebAuthn user verification: required -> preferred']);
    expect(mfa.request.WebAuthnConfiguration).toEqual({
      RelyingPartyId: 'app.example.com',
      UserVerification: 'preferred',
      FactorConfiguration: 'SINGLE_FACTOR',
    });
  });

  it('blocks on a pool that requires MFA of everyone, which rules out passkey and email-code sign-in', () => {
    const plan = planCognitoSetup(
      { pool: nativePool, client: nativeClient, mfa: { ...nativeMfa, MfaConfiguration: 'ON' } },
      nativeNeeds(),
    );
    expect(plan.blockers).toEqual([
      'the pool requires MFA of every user, and Cognito offers no passkey or email-code sign-in to users who must use MFA: set the pool’s MFA to optional or off (SetUserPoolMfaConfig MfaConfiguration)',
    ]);
    expect(plan.steps).toEqual([]);
  });

  it('notes a pool that sends email with Cognito’s default sender, whose daily limit the email codes outgrow', () => {
    const { EmailConfiguration: _ses, ...withDefaultEmail } = nativePool;
    const plan = planCognitoSetup({ pool: withDefaultEmail, client: nativeClient, mfa: nativeMfa }, nativeNeeds());
    expect(plan.steps).toEqual([]);
    expect(plan.notes.join('\n')).toContain('send with Amazon SES (EmailConfiguration EmailSendingAccount DEVELOPER)');
    const withSes = planCognitoSetup({ pool: nativePool, client: nativeClient, mfa: nativeMfa }, nativeNeeds());
    expect(withSes.notes.join('\n')).not.toContain('Amazon SES');
  });

  it('creates the app client with USER_AUTH, the shared password flow and refresh, and no CUSTOM_AUTH', () => {
    const plan = planCognitoSetup({ pool: nativePool, client: null, mfa: nativeMfa }, nativeNeeds());
    const created = stepOf(plan.steps, 'create-client')!;
    expect(created.request.ExplicitAuthFlows).toEqual([
      'ALLOW_USER_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
  });
});

describe('the SetUserPoolMfaConfig request', () => {
  it('carries every setting GetUserPoolMfaConfig described, and the change on top', () => {
    expect(mfaConfigRequest('pool', awsMfa, { MfaConfiguration: 'OFF' })).toEqual({
      ...awsMfa,
      MfaConfiguration: 'OFF',
      UserPoolId: 'pool',
    });
  });
});
