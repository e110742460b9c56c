import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_CUSTOM_ATTRIBUTES, litePlanRefusal } from '../../lib/cognito/requirements';
import { readSettings } from '../lib/settings';
import { INFRA_DIR, synthesize } from './support';

/**
 * passkeyLayer=cognito-native: Cognito's own passkeys. The stack then deploys no function and no
 * table (nothing of the CUSTOM_AUTH layers), and configures the pool as
 * lib/cognito/requirements.ts says: a paid plan, the WebAuthn relying party and user verification,
 * the sign-in policy, and a client with USER_AUTH.
 */

const NATIVE = { passkeyLayer: 'cognito-native', relyingPartyId: 'app.example.com' };

describe('stack for Cognito’s own passkeys on a new pool', () => {
  let template: Template;
  let synthesized: ReturnType<typeof synthesize>;
  beforeAll(() => {
    synthesized = synthesize(NATIVE);
    template = synthesized.template;
  });

  it('creates an Essentials pool with the relying party, required user verification and the three first factors, and no trigger', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        UserPoolTier: 'ESSENTIALS',
        WebAuthnRelyingPartyID: 'app.example.com',
        WebAuthnUserVerification: 'required',
        Policies: Match.objectLike({
          SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] },
        }),
        UsernameAttributes: ['email'],
        Schema: Match.arrayWith(
          APP_CUSTOM_ATTRIBUTES.map((Name) => ({ Name, AttributeDataType: 'String', Mutable: true })),
        ),
      }),
    });
    const pool = Object.values(template.findResources('AWS::Cognito::UserPool'))[0]!;
    expect(pool.Properties.LambdaConfig).toBeUndefined();
  });

  it('deploys no function, no permission, no passkey table and no table policy', () => {
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0]!.Properties.PolicyDocument)).not.toContain('dynamodb:');
  });

  it('creates the app client with USER_AUTH, the shared password flow and refresh, and no CUSTOM_AUTH', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    expect([...clients[0]!.Properties.ExplicitAuthFlows].sort()).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
    ]);
    expect(clients[0]!.Properties).toMatchObject({ GenerateSecret: true, PreventUserExistenceErrors: 'ENABLED' });
  });

  it('outputs the pool and client and the cognito:setup command for the native layer, and nothing of the triggers', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['AppClientId', 'AppPolicyArn', 'NextStep', 'UserPoolId']);
    const nextStep = JSON.stringify(outputs.NextStep);
    expect(nextStep).toContain(
      'APP_ORIGIN=https://app.example.com npm run cognito:setup -- --apply --layer=cognito-native',
    );
  });

  it('warns at synth that Cognito’s default sender will not carry production email codes', () => {
    Annotations.fromStack(synthesized.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('configure Amazon SES for production'),
    );
  });

  it('takes the Plus plan and preferred user verification from context', () => {
    const { template: plus } = synthesize({ ...NATIVE, featurePlan: 'plus', userVerification: 'preferred' });
    plus.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      WebAuthnUserVerification: 'preferred',
    });
  });
});

describe('stack for Cognito’s own passkeys on an existing pool', () => {
  it('adds only the USER_AUTH client and the admin policy, and points at cognito:setup for the pool itself', () => {
    const { template } = synthesize({ ...NATIVE, existingUserPoolId: 'eu-west-1_Existing1' });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: 'eu-west-1_Existing1',
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_AUTH']),
    });
    expect(JSON.stringify(template.toJSON().Outputs.NextStep)).toContain('--layer=cognito-native');
  });
});

describe('settings of Cognito’s own passkeys', () => {
  const read = (context: Record<string, string>) => readSettings((key) => ({ ...NATIVE, ...context })[key], INFRA_DIR);

  it('refuse the Lite plan at synth, with one line naming the plan and what to set', () => {
    expect(() => read({ featurePlan: 'lite' })).toThrow(
      `context featurePlan is lite: ${litePlanRefusal('set -c featurePlan=essentials or plus')}`,
    );
    expect(() => read({ featurePlan: 'gold' })).toThrow('context featurePlan must be essentials or plus');
  });

  it('need the relying party, as a bare host name', () => {
    expect(() => read({ relyingPartyId: '' })).toThrow("context relyingPartyId is missing: the app's host");
    for (const bad of ['https://app.example.com', 'app.example.com:443', 'app.example.com/login', 'app_example.com'])
      expect(() => read({ relyingPartyId: bad }), bad).toThrow('context relyingPartyId must be a host name');
    expect(read({ relyingPartyId: 'App.Example.COM' }).native?.relyingPartyId).toBe('app.example.com');
  });

  it('refuse an unknown layer or user verification', () => {
    expect(() => read({ passkeyLayer: 'native' })).toThrow(
      'context passkeyLayer must be one of self-hosted, corbado-connect, corbado-complete, cognito-native',
    );
    expect(() => read({ userVerification: 'discouraged' })).toThrow(
      'context userVerification must be required or preferred',
    );
  });

  it('need neither the challenge key nor the trigger bundles, which only the CUSTOM_AUTH layers deploy', () => {
    const settings = read({ lambdasDir: path.join(tmpdir(), 'no-bundles-here') });
    expect(settings.native).toEqual({
      featurePlan: 'ESSENTIALS',
      relyingPartyId: 'app.example.com',
      userVerification: 'required',
    });
    expect(settings.authChallengeKeyIds).toEqual([]);
  });

  it('leave the other layers as they were: they still need the challenge key for their verify function', () => {
    expect(() => readSettings((key) => ({ passkeyLayer: 'corbado-connect' })[key], INFRA_DIR)).toThrow(
      'context authChallengePublicKeys is missing',
    );
  });
});
