import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { passkeyTableDefinition } from '../../lib/store/dynamodb-table';
import { APP_CUSTOM_ATTRIBUTES } from '../../lib/cognito/requirements';
import { APP_ADMIN_ACTIONS, APP_INDEX_ACTIONS, APP_TABLE_ACTIONS } from '../lib/cognito-passkeys-stack';
import { APP_DIR, LAMBDAS_DIR, publicKeyPem, synthesize } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

/** The AWS SDK calls (`<Name>Command`, by `pattern`) the app's sources under `paths` make, sorted. */
function sdkCallsIn(paths: string[], pattern: string): string[] {
  const found = execFileSync('grep', ['-rhoE', pattern, ...paths], { cwd: APP_DIR }).toString();
  return [
    ...new Set(
      found
        .split('\n')
        .filter(Boolean)
        .map((name) => name.replace(/Command$/, '')),
    ),
  ].sort();
}

function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function functionsByBundle(template: Template, assetDirOf: (logicalId: string) => string) {
  const byBundle: Record<string, { id: string; props: Record<string, any> }> = {};
  for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const bundle = readFileSync(path.join(assetDirOf(id), 'index.mjs'));
    for (const name of ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge']) {
      if (bundle.equals(readFileSync(path.join(LAMBDAS_DIR, name, 'index.mjs'))))
        byBundle[name] = { id, props: fn.Properties };
    }
  }
  return byBundle;
}

describe('stack for a new user pool', () => {
  let template: Template;
  let outdir: string;
  let assetDirOf: (logicalId: string) => string;

  beforeAll(() => {
    const synthesized = synthesize();
    template = synthesized.template;
    outdir = synthesized.outdir;
    // A function's code is the zip of a staged asset folder, named after the same hash.
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    assetDirOf = (id) =>
      path.join(outdir, `asset.${String(functions[id]!.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
  });

  it('deploys each trigger from its own `npm run lambdas:build` bundle, alone in its asset, on a Node.js 20+ runtime', () => {
    const functions = functionsByBundle(template, assetDirOf);
    expect(Object.keys(functions).sort()).toEqual([
      'create-auth-challenge',
      'define-auth-challenge',
      'verify-auth-challenge',
    ]);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const { id, props } of Object.values(functions)) {
      expect(readdirSync(assetDirOf(id))).toEqual(['index.mjs']);
      expect(props.Handler).toBe('index.handler');
      expect(Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1])).toBeGreaterThanOrEqual(20);
      // Cognito gives a trigger at most 5 seconds.
      expect(props.Timeout).toBeLessThanOrEqual(5);
      expect(props.Layers).toBeUndefined();
    }
  });

  it('gives only the verify function the challenge public key, in a form its bundle reads', () => {
    const functions = functionsByBundle(template, assetDirOf);
    const env = functions['verify-auth-challenge']!.props.Environment.Variables as Record<string, string>;
    expect(env.AUTH_CHALLENGE_PUBLIC_KEYS!.replace(/\\n/g, '\n')).toBe(publicKeyPem.trim());
    expect(env.AUTH_CHALLENGE_PUBLIC_KEY).toBeUndefined();
    expect(functions['define-auth-challenge']!.props.Environment).toBeUndefined();
    expect(functions['create-auth-challenge']!.props.Environment).toBeUndefined();

    // The verify bundle, run bare with exactly that environment, loads the key and judges an answer.
    const bundle = path.join(assetDirOf(functions['verify-auth-challenge']!.id), 'index.mjs');
    const event = {
      userName: 'u',
      callerContext: { clientId: 'c' },
      request: { privateChallengeParameters: { nonce: 'n' }, challengeAnswer: 'not-an-assertion' },
      response: {},
    };
    const script =
      "import(process.argv[1]).then((m) => m.handler(JSON.parse(process.argv[2]))).then((e) => process.stdout.write('\\n' + JSON.stringify(e.response)))";
    const output = execFileSync(process.execPath, ['-e', script, bundle, JSON.stringify(event)], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH, AUTH_CHALLENGE_PUBLIC_KEYS: env.AUTH_CHALLENGE_PUBLIC_KEYS },
    });
    // The function's log line for the refused answer comes first.
    expect(JSON.parse(output.toString().split('\n').at(-1)!)).toEqual({ answerCorrect: false });
  });

  it('lets Cognito invoke the three functions for this pool only', () => {
    const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(3);
    const pool = Object.keys(resourcesOf(template, 'AWS::Cognito::UserPool'))[0]!;
    const functions = Object.keys(resourcesOf(template, 'AWS::Lambda::Function'));
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [pool, 'Arn'] },
      });
    }
    expect(permissions.map((p) => p.Properties.FunctionName['Fn::GetAtt'][0]).sort()).toEqual(functions.sort());
  });

  it('creates a pool signing in by email with the app’s custom attributes and the three triggers, kept when the stack is deleted', () => {
    const functions = functionsByBundle(template, assetDirOf);
    const arn = (name: string) => ({ 'Fn::GetAtt': [functions[name]!.id, 'Arn'] });
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
        LambdaConfig: {
          DefineAuthChallenge: arn('define-auth-challenge'),
          CreateAuthChallenge: arn('create-auth-challenge'),
          VerifyAuthChallengeResponse: arn('verify-auth-challenge'),
        },
        Schema: Match.arrayWith(
          APP_CUSTOM_ATTRIBUTES.map((Name) => ({ Name, AttributeDataType: 'String', Mutable: true })),
        ),
      }),
    });
  });

  it('creates an app client with a secret, exactly the three flows the app uses, no OAuth, PreventUserExistenceErrors, token revocation and 60-minute tokens', () => {
    const clients = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    const client = clients[0]!.Properties;
    expect([...client.ExplicitAuthFlows].sort()).toEqual([
      'ALLOW_CUSTOM_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
    ]);
    expect(client).toMatchObject({
      ClientName: 'cognito-passkeys-app',
      GenerateSecret: true,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AllowedOAuthFlowsUserPoolClient: false,
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
      WriteAttributes: ['email'],
    });
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.CallbackURLs).toBeUndefined();
  });

  it('grants the app every admin call its code makes, and no other, on this pool only', () => {
    const used = sdkCallsIn(['lib', 'app', 'middleware.ts'], '\\bAdmin[A-Za-z]+Command\\b');
    expect([...APP_ADMIN_ACTIONS].sort()).toEqual(used);
    const pool = Object.keys(resourcesOf(template, 'AWS::Cognito::UserPool'))[0]!;
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: used.map((action) => `cognito-idp:${action}`),
            Resource: { 'Fn::GetAtt': [pool, 'Arn'] },
          },
        ],
      },
    });
  });

  it('outputs the pool, client and function ids and the cognito:setup command that prints the .env lines', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AppClientId',
      'AppPolicyArn',
      'CreateAuthChallengeFunctionArn',
      'DefineAuthChallengeFunctionArn',
      'NextStep',
      'PasskeyTableName',
      'PasskeyTablePolicyArn',
      'UserPoolId',
      'VerifyAuthChallengeResponseFunctionArn',
    ]);
    expect(JSON.stringify(outputs.NextStep)).toContain('npm run cognito:setup -- --apply');
  });
});

describe('the passkey table of the self-hosted layer', () => {
  let template: Template;
  let tableId: string;
  beforeAll(() => {
    template = synthesize().template;
    tableId = Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]!;
  });

  it('is the table the app and its tests create (lib/store/dynamodb-table.ts): keys, attributes and owner index', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const table = resourcesOf(template, 'AWS::DynamoDB::Table')[tableId]!.Properties;
    const app = passkeyTableDefinition('any');
    expect(table.KeySchema).toEqual(app.KeySchema);
    const byName = (list: { AttributeName: string }[]) =>
      [...list].sort((x, y) => x.AttributeName.localeCompare(y.AttributeName));
    expect(byName(table.AttributeDefinitions)).toEqual(byName(app.AttributeDefinitions));
    expect(table.GlobalSecondaryIndexes).toEqual(app.GlobalSecondaryIndexes);
    expect(table.BillingMode).toBe(app.BillingMode);
  });

  it('is on demand, with point-in-time recovery, TTL, deletion protection, and kept when the stack is deleted', () => {
    const resource = resourcesOf(template, 'AWS::DynamoDB::Table')[tableId]!;
    expect(resource.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(resource.DeletionPolicy).toBe('Retain');
    expect((resource as { UpdateReplacePolicy?: string }).UpdateReplacePolicy).toBe('Retain');
  });

  it('the app’s table policy allows exactly the calls lib/store/dynamodb.ts makes, on this table and its index only', () => {
    const used = sdkCallsIn(['lib/store/dynamodb.ts'], '\\b[A-Za-z]+Command\\b');
    const actions = {
      Batch: 'BatchGetItem',
      BatchGet: 'BatchGetItem',
      Delete: 'DeleteItem',
      Get: 'GetItem',
      Put: 'PutItem',
      Update: 'UpdateItem',
      Query: 'Query',
    };
    expect([...APP_TABLE_ACTIONS, ...APP_INDEX_ACTIONS].sort()).toEqual(
      used.map((name) => actions[name as keyof typeof actions] ?? name).sort(),
    );
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('dynamodb:'),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: APP_TABLE_ACTIONS.map((action) => `dynamodb:${action}`),
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: `dynamodb:${APP_INDEX_ACTIONS[0]}`,
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byOwner']] },
      },
    ]);
  });
});

describe('stack attached to an existing user pool', () => {
  const existing = 'eu-west-1_Existing1';

  it('creates no pool, puts the functions in the pool’s region, and lets Cognito invoke them for that pool and account only', () => {
    const { template, stack } = synthesize({ existingUserPoolId: existing });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(stack.region).toBe('eu-west-1');
    const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(3);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('cognito-idp.amazonaws.com');
      expect(permission.Properties.SourceAccount).toBe('123456789012');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(
        `:cognito-idp:eu-west-1:123456789012:userpool/${existing}`,
      );
    }
  });

  it('adds a new app client to the existing pool, leaving the pool’s own write-attribute rules alone', () => {
    const { template } = synthesize({ existingUserPoolId: existing });
    const clients = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    expect(clients[0]!.Properties).toMatchObject({
      UserPoolId: existing,
      GenerateSecret: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(clients[0]!.Properties.WriteAttributes).toBeUndefined();
  });

  it('deploys only the functions and permissions with createAppClient=false', () => {
    const { template } = synthesize({ existingUserPoolId: existing, createAppClient: 'false' });
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    expect(JSON.stringify(template.toJSON().Outputs.NextStep)).not.toContain('COGNITO_CLIENT_ID');
  });

  it('shortens tokens to the minutes given in context', () => {
    const { template } = synthesize({ existingUserPoolId: existing, tokenValidityMinutes: '15' });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { IdTokenValidity: 15, AccessTokenValidity: 15 });
  });
});

describe('the bundles the stack deploys', () => {
  it('are each one file, well under Lambda’s limits', () => {
    for (const name of ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge']) {
      expect(statSync(path.join(LAMBDAS_DIR, name, 'index.mjs')).size).toBeLessThan(100 * 1024);
    }
  });
});
