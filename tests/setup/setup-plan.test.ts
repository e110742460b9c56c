import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { clientUpdateRequest, planCognitoSetup, poolUpdateRequest } from '../../scripts/cognito-setup-plan';

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
