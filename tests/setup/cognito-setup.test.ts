import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  InitiateAuthCommand,
  UpdateUserPoolClientCommand,
  type CreateUserPoolClientRequest,
  type CreateUserPoolRequest,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCognito, isolatedEnv, type TestCognito } from '../support/stack';

/**
 * `npm run cognito:setup` run as a user runs it (a child process reading its environment),
 * against the embedded Cognito over HTTP standing in for AWS. Each pool here is made with the
 * SDK lacking one thing the app needs; the setup must plan it, change nothing without --apply,
 * add it with --apply while keeping the rest of the configuration and the users, and find nothing
 * to do on a second run.
 */

const SCRIPT = path.resolve('scripts/cognito-setup.ts');
const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const WRITES = [
  'AddCustomAttributes',
  'UpdateUserPool',
  'UpdateUserPoolClient',
  'CreateUserPoolClient',
  'CreateUserPool',
  'SetUserPoolMfaConfig',
];
const FUNCTIONS = {
  DefineAuthChallenge: 'arn:aws:lambda:eu-central-1:123456789012:function:passkeys-define-auth-challenge',
  CreateAuthChallenge: 'arn:aws:lambda:eu-central-1:123456789012:function:passkeys-create-auth-challenge',
  VerifyAuthChallengeResponse: 'arn:aws:lambda:eu-central-1:123456789012:function:passkeys-verify-auth-challenge',
};
const ARN_FLAGS = [
  `--define-auth-challenge=${FUNCTIONS.DefineAuthChallenge}`,
  `--create-auth-challenge=${FUNCTIONS.CreateAuthChallenge}`,
  `--verify-auth-challenge=${FUNCTIONS.VerifyAuthChallengeResponse}`,
];

let stack: TestCognito;
beforeAll(async () => {
  stack = await startTestCognito();
});
afterAll(() => stack.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The setup command with a configured (non-embedded) pool at the emulator's endpoint. */
function runSetup(
  ids: { userPoolId: string; clientId?: string },
  args: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const env = isolatedEnv({
    COGNITO_REGION: 'us-east-1',
    COGNITO_ENDPOINT: stack.cognito.endpoint,
    COGNITO_USER_POOL_ID: ids.userPoolId,
    ...(ids.clientId ? { COGNITO_CLIENT_ID: ids.clientId } : {}),
    SESSION_SECRET: stack.env.SESSION_SECRET!,
    AUTH_CHALLENGE_PRIVATE_KEY: stack.env.AUTH_CHALLENGE_PRIVATE_KEY!,
    DATA_DIR: stack.dataDir,
    // The emulator answers only calls signed with its generated key.
    COGNITO_ACCESS_KEY_ID: stack.env.COGNITO_ACCESS_KEY_ID!,
    COGNITO_SECRET_ACCESS_KEY: stack.env.COGNITO_SECRET_ACCESS_KEY!,
    ...extraEnv,
  });
  return new Promise((resolve) => {
    // cwd is the data folder, so no developer's .env is read.
    execFile(
      process.execPath,
      [TSX, '--conditions=react-server', SCRIPT, ...args],
      { env, cwd: stack.dataDir },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function writeCalls(): number {
  return WRITES.reduce((sum, target) => sum + (stack.cognito.calls.get(target) ?? 0), 0);
}

/** A pool with everything the app needs, minus what `without` takes away or changes. */
async function createPool(overrides: Partial<CreateUserPoolRequest> = {}): Promise<string> {
  const request: CreateUserPoolRequest = {
    PoolName: `setup-${randomUUID()}`,
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    Schema: [
      { Name: 'createdByCorbado', AttributeDataType: 'String', Mutable: true },
      { Name: 'corbadoUserId', AttributeDataType: 'String', Mutable: true },
      { Name: 'hasPasskey', AttributeDataType: 'String', Mutable: true },
      { Name: 'skipPasskeyOffer', AttributeDataType: 'String', Mutable: true },
    ],
    LambdaConfig: { ...FUNCTIONS },
    Policies: {
      PasswordPolicy: {
        MinimumLength: 12,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    },
    ...overrides,
  };
  const created = await stack.sdk.send(new CreateUserPoolCommand(request));
  return created.UserPool!.Id!;
}

async function createClient(userPoolId: string, overrides: Partial<CreateUserPoolClientRequest> = {}) {
  const created = await stack.sdk.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'existing-web-client',
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
      ...overrides,
    }),
  );
  return { clientId: created.UserPoolClient!.ClientId!, clientSecret: created.UserPoolClient!.ClientSecret };
}

async function describePool(userPoolId: string) {
  return (await stack.sdk.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool!;
}

async function describeClient(userPoolId: string, clientId: string) {
  return (await stack.sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })))
    .UserPoolClient!;
}

async function addPasswordUser(userPoolId: string, email: string, password: string): Promise<void> {
  await stack.sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: password,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await stack.sdk.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }),
  );
}

function secretHash(clientId: string, clientSecret: string, username: string): string {
  return createHmac('sha256', clientSecret)
    .update(username + clientId)
    .digest('base64');
}

/** A plan-only run changes nothing; --apply then applies; a third run finds nothing to do and writes nothing. */
async function planApplyAndRerun(
  ids: { userPoolId: string; clientId?: string },
  args: string[] = [],
  extraEnv: Record<string, string> = {},
) {
  const before = writeCalls();
  const planned = await runSetup(ids, args, extraEnv);
  expect(planned.code, planned.stderr).toBe(0);
  expect(planned.stdout).toContain('Nothing was changed. Run again with --apply');
  expect(writeCalls()).toBe(before);

  const applied = await runSetup(ids, ['--apply', ...args], extraEnv);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toMatch(/Applied \d+ steps?/);

  const clientId = /^COGNITO_CLIENT_ID=(.+)$/m.exec(applied.stdout)?.[1];
  const afterApply = writeCalls();
  const again = await runSetup({ ...ids, clientId: clientId ?? ids.clientId }, ['--apply', ...args], extraEnv);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain('Nothing to change');
  expect(writeCalls()).toBe(afterApply);
  return { planned, applied, again };
}

describe('npm run cognito:setup', () => {
  it('finds nothing to change in the pool and client the embedded Cognito creates', async () => {
    const before = writeCalls();
    const run = await runSetup({ userPoolId: stack.cognito.userPoolId, clientId: stack.cognito.clientId }, ['--apply']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Nothing to change');
    expect(run.stdout).toContain(`COGNITO_CLIENT_SECRET=${stack.cognito.clientSecret}`);
    expect(writeCalls()).toBe(before);
  });

  it('adds the createdByCorbado, corbadoUserId, hasPasskey and skipPasskeyOffer attributes to a pool without them, and leaves its users as they were', async () => {
    const userPoolId = await createPool({ Schema: [] });
    const { clientId } = await createClient(userPoolId);
    await addPasswordUser(userPoolId, 'kept@example.com', 'Kept-passw0rd!x');
    const userBefore = await stack.sdk.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: 'kept@example.com' }),
    );

    const { planned } = await planApplyAndRerun({ userPoolId, clientId });
    expect(planned.stdout).toContain(
      'add the custom attributes custom:createdByCorbado, custom:corbadoUserId, custom:hasPasskey, custom:skipPasskeyOffer (String, mutable)',
    );
    const schema = (await describePool(userPoolId)).SchemaAttributes ?? [];
    for (const name of [
      'custom:createdByCorbado',
      'custom:corbadoUserId',
      'custom:hasPasskey',
      'custom:skipPasskeyOffer',
    ]) {
      expect(schema.find((a) => a.Name === name)).toMatchObject({ AttributeDataType: 'String', Mutable: true });
    }
    const userAfter = await stack.sdk.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: 'kept@example.com' }),
    );
    expect(userAfter.UserAttributes).toEqual(userBefore.UserAttributes);
    expect(userAfter.UserStatus).toBe('CONFIRMED');
  });

  it('attaches the three triggers from flags, keeping the pool’s other triggers, policies and settings, and CUSTOM_AUTH then works', async () => {
    const postConfirmation = 'arn:aws:lambda:eu-central-1:123456789012:function:their-post-confirmation';
    const userPoolId = await createPool({ LambdaConfig: { PostConfirmation: postConfirmation } });
    const { clientId, clientSecret } = await createClient(userPoolId);
    await addPasswordUser(userPoolId, 'custom@example.com', 'Custom-passw0rd!');
    const poolBefore = await describePool(userPoolId);
    const customAuth = () =>
      stack.sdk.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'CUSTOM_AUTH',
          AuthParameters: {
            USERNAME: 'custom@example.com',
            SECRET_HASH: secretHash(clientId, clientSecret!, 'custom@example.com'),
          },
        }),
      );
    await expect(customAuth()).rejects.toThrow(/Custom auth lambda trigger is not configured/);

    const withoutArns = await runSetup({ userPoolId, clientId }, ['--apply']);
    expect(withoutArns.code).toBe(2);
    expect(withoutArns.stdout).toContain(
      'Cannot do: no DefineAuthChallenge trigger on the pool: pass --define-auth-challenge=<function ARN>',
    );
    expect((await describePool(userPoolId)).LambdaConfig).toEqual({ PostConfirmation: postConfirmation });

    const { planned } = await planApplyAndRerun({ userPoolId, clientId }, ARN_FLAGS);
    expect(planned.stdout).toContain(`DefineAuthChallenge: attach ${FUNCTIONS.DefineAuthChallenge}`);
    const poolAfter = await describePool(userPoolId);
    expect(poolAfter.LambdaConfig).toEqual({ PostConfirmation: postConfirmation, ...FUNCTIONS });
    expect(poolAfter.Policies).toEqual(poolBefore.Policies);
    // The deprecated UnusedAccountValidityDays is left out on purpose: Cognito refuses it next to
    // TemporaryPasswordValidityDays, which carries the same setting.
    expect(poolAfter.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(poolAfter.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays).toBe(
      poolBefore.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays,
    );
    expect(poolAfter.AutoVerifiedAttributes).toEqual(poolBefore.AutoVerifiedAttributes);
    expect(poolAfter.SchemaAttributes).toEqual(poolBefore.SchemaAttributes);
    expect((await customAuth()).ChallengeName).toBe('CUSTOM_CHALLENGE');
  });

  it('takes the trigger ARNs from the environment and replaces triggers that point elsewhere', async () => {
    const userPoolId = await createPool({
      LambdaConfig: { ...FUNCTIONS, VerifyAuthChallengeResponse: FUNCTIONS.DefineAuthChallenge },
    });
    const { clientId } = await createClient(userPoolId);
    const { planned } = await planApplyAndRerun({ userPoolId, clientId }, [], {
      DEFINE_AUTH_CHALLENGE_ARN: FUNCTIONS.DefineAuthChallenge,
      CREATE_AUTH_CHALLENGE_ARN: FUNCTIONS.CreateAuthChallenge,
      VERIFY_AUTH_CHALLENGE_ARN: FUNCTIONS.VerifyAuthChallengeResponse,
    });
    expect(planned.stdout).toContain(
      `VerifyAuthChallengeResponse: ${FUNCTIONS.DefineAuthChallenge} -> ${FUNCTIONS.VerifyAuthChallengeResponse}`,
    );
    expect((await describePool(userPoolId)).LambdaConfig).toEqual(FUNCTIONS);
  });

  it('adds ALLOW_CUSTOM_AUTH to a client without it, keeping its other flows and settings', async () => {
    const userPoolId = await createPool();
    const { clientId, clientSecret } = await createClient(userPoolId, {
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
      CallbackURLs: ['https://app.example.com/callback'],
      ReadAttributes: ['email', 'custom:createdByCorbado'],
      IdTokenValidity: 30,
      AccessTokenValidity: 15,
    });
    const before = await describeClient(userPoolId, clientId);
    const { planned, applied } = await planApplyAndRerun({ userPoolId, clientId });
    expect(planned.stdout).toContain('auth flows: add ALLOW_CUSTOM_AUTH');
    expect(planned.stdout).toContain('Note: the client also allows ALLOW_USER_SRP_AUTH');
    const after = await describeClient(userPoolId, clientId);
    expect(after.ExplicitAuthFlows).toEqual([
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_SRP_AUTH',
      'ALLOW_CUSTOM_AUTH',
    ]);
    const { ExplicitAuthFlows: _flowsAfter, LastModifiedDate: _modifiedAfter, ...restAfter } = after;
    const { ExplicitAuthFlows: _flowsBefore, LastModifiedDate: _modifiedBefore, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    expect(applied.stdout).toContain(`COGNITO_CLIENT_ID=${clientId}\nCOGNITO_CLIENT_SECRET=${clientSecret}`);
  });

  it('turns on PreventUserExistenceErrors, after which an unknown user gets the same error as a wrong password', async () => {
    const userPoolId = await createPool();
    const { clientId, clientSecret } = await createClient(userPoolId, { PreventUserExistenceErrors: 'LEGACY' });
    const signIn = () =>
      stack.sdk.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: {
            USERNAME: 'nobody@example.com',
            PASSWORD: 'Whatever-1!',
            SECRET_HASH: secretHash(clientId, clientSecret!, 'nobody@example.com'),
          },
        }),
      );
    await expect(signIn()).rejects.toMatchObject({ name: 'UserNotFoundException' });
    const { planned } = await planApplyAndRerun({ userPoolId, clientId });
    expect(planned.stdout).toContain('PreventUserExistenceErrors: LEGACY -> ENABLED');
    expect((await describeClient(userPoolId, clientId)).PreventUserExistenceErrors).toBe('ENABLED');
    await expect(signIn()).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('turns on token revocation for a client without it', async () => {
    const userPoolId = await createPool();
    const { clientId } = await createClient(userPoolId, { EnableTokenRevocation: false });
    const { planned } = await planApplyAndRerun({ userPoolId, clientId });
    expect(planned.stdout).toContain('token revocation: off -> on');
    expect((await describeClient(userPoolId, clientId)).EnableTokenRevocation).toBe(true);
  });

  it('shortens day-long ID and access tokens to 60 minutes and lengthens a refresh token that would end sessions early', async () => {
    const userPoolId = await createPool();
    const { clientId } = await createClient(userPoolId, {
      IdTokenValidity: 1,
      AccessTokenValidity: 24,
      RefreshTokenValidity: 2,
      TokenValidityUnits: { IdToken: 'days', AccessToken: 'hours', RefreshToken: 'days' },
    });
    const { planned } = await planApplyAndRerun({ userPoolId, clientId });
    expect(planned.stdout).toContain('IdToken lifetime: 1 d -> 60 min');
    expect(planned.stdout).toContain('AccessToken lifetime: 1 d -> 60 min');
    expect(planned.stdout).toContain('RefreshToken lifetime: 2 d -> 30 d (sessions last up to 7 d)');
    expect(await describeClient(userPoolId, clientId)).toMatchObject({
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
    });
  });

  it('removes the app’s own attributes from a client’s write attributes', async () => {
    const userPoolId = await createPool();
    const { clientId } = await createClient(userPoolId, {
      WriteAttributes: ['email', 'custom:corbadoUserId', 'name', 'custom:createdByCorbado'],
    });
    await planApplyAndRerun({ userPoolId, clientId });
    expect((await describeClient(userPoolId, clientId)).WriteAttributes).toEqual(['email', 'name']);
  });

  it('creates a confidential app client in place of one without a secret, and finds it again by name when .env still names the old one', async () => {
    const userPoolId = await createPool();
    const { clientId: publicClientId } = await createClient(userPoolId, { GenerateSecret: false });
    const { planned, applied } = await planApplyAndRerun({ userPoolId, clientId: publicClientId });
    expect(planned.stdout).toContain(`app client ${publicClientId} has no secret`);
    const newClientId = /^COGNITO_CLIENT_ID=(.+)$/m.exec(applied.stdout)![1]!;
    expect(newClientId).not.toBe(publicClientId);
    const created = await describeClient(userPoolId, newClientId);
    expect(created).toMatchObject({
      ClientName: 'cognito-passkeys-app',
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    expect(applied.stdout).toContain(`COGNITO_CLIENT_SECRET=${created.ClientSecret}`);

    const before = writeCalls();
    const stale = await runSetup({ userPoolId, clientId: publicClientId }, ['--apply']);
    expect(stale.stdout).toContain('Nothing to change');
    expect(stale.stdout).toContain(`COGNITO_CLIENT_ID=${newClientId}`);
    expect(writeCalls()).toBe(before);
  });

  it('creates the app client when none is configured, and prints the secrets the environment lacks', async () => {
    const userPoolId = await createPool();
    const { applied } = await planApplyAndRerun({ userPoolId }, [], {
      SESSION_SECRET: '',
      AUTH_CHALLENGE_PRIVATE_KEY: '',
    });
    expect(applied.stdout).toMatch(/^COGNITO_CLIENT_ID=\w+$/m);
    expect(applied.stdout).toMatch(/^SESSION_SECRET=[\w-]{43}$/m);
    expect(applied.stdout).toMatch(
      /^AUTH_CHALLENGE_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n.+\\n-----END PRIVATE KEY-----"$/m,
    );
    expect(applied.stdout).toMatch(/AUTH_CHALLENGE_PUBLIC_KEYS="-----BEGIN PUBLIC KEY-----\\n/);
  });

  it('reports a createdByCorbado attribute of the wrong type as something it cannot fix, and leaves the attribute as it is', async () => {
    const userPoolId = await createPool({
      Schema: [
        { Name: 'createdByCorbado', AttributeDataType: 'Number', Mutable: true },
        { Name: 'corbadoUserId', AttributeDataType: 'String', Mutable: true },
        { Name: 'hasPasskey', AttributeDataType: 'String', Mutable: true },
        { Name: 'skipPasskeyOffer', AttributeDataType: 'String', Mutable: true },
      ],
      LambdaConfig: {},
    });
    const { clientId } = await createClient(userPoolId);
    const before = writeCalls();
    const run = await runSetup({ userPoolId, clientId }, ['--apply', ...ARN_FLAGS]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Cannot do: custom:createdByCorbado exists as Number');
    // The triggers it could attach are attached; the attribute is reported, not touched.
    const pool = await describePool(userPoolId);
    expect(pool.LambdaConfig).toEqual(FUNCTIONS);
    expect(pool.SchemaAttributes?.find((a) => a.Name === 'custom:createdByCorbado')?.AttributeDataType).toBe('Number');
    expect(writeCalls()).toBe(before + 1);
  });

  it('refuses a trigger flag that is not a Lambda function ARN, and changes nothing', async () => {
    const userPoolId = await createPool({ LambdaConfig: {} });
    const { clientId } = await createClient(userPoolId);
    const before = writeCalls();
    const run = await runSetup({ userPoolId, clientId }, [
      '--apply',
      '--define-auth-challenge=passkeys-define',
      ARN_FLAGS[1]!,
      ARN_FLAGS[2]!,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('--define-auth-challenge: "passkeys-define" is not a Lambda function ARN');
    expect(writeCalls()).toBe(before);
  });

  it('checks the embedded Cognito when no pool is configured, and finds it complete', async () => {
    const run = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        [TSX, '--conditions=react-server', SCRIPT, '--apply'],
        {
          env: isolatedEnv({ DATA_DIR: path.join(stack.dataDir, 'own-embedded'), COGNITO_LOCAL_PORT: '0' }),
          cwd: stack.dataDir,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Checking user pool local_\w+ \(embedded Cognito\)/);
    expect(run.stdout).toContain('Nothing to change');
    expect(run.stdout).not.toContain('COGNITO_ENDPOINT=');
  });
});

describe('npm run cognito:setup --layer=cognito-native', () => {
  it('gives an Essentials pool the sign-in policy, the relying party and user verification, and its client ALLOW_USER_AUTH, with no trigger', async () => {
    const userPoolId = await createPool({ UserPoolTier: 'ESSENTIALS', LambdaConfig: {} });
    const { clientId } = await createClient(userPoolId);
    const { planned } = await planApplyAndRerun({ userPoolId, clientId }, ['--layer=cognito-native']);
    expect(planned.stdout).toContain("for Cognito's own passkeys (relying party localhost)");
    expect(planned.stdout).toContain('first sign-in factors: add EMAIL_OTP, WEB_AUTHN');
    expect(planned.stdout).toContain("WebAuthn relying party: localhost (the app's host)");
    expect(planned.stdout).toContain('auth flows: add ALLOW_USER_AUTH');
    expect(planned.stdout).not.toContain('Cannot do');
    const pool = await describePool(userPoolId);
    expect(pool.Policies?.SignInPolicy?.AllowedFirstAuthFactors).toEqual(['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']);
    expect(pool.LambdaConfig ?? {}).toEqual({});
    const mfa = await stack.sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: userPoolId }));
    expect(mfa.WebAuthnConfiguration).toMatchObject({ RelyingPartyId: 'localhost', UserVerification: 'required' });
    expect((await describeClient(userPoolId, clientId)).ExplicitAuthFlows).toContain('ALLOW_USER_AUTH');
  });

  it('refuses a Lite pool with one line naming the plan and the flag, and changes nothing', async () => {
    const userPoolId = await createPool({ UserPoolTier: 'LITE' });
    const { clientId } = await createClient(userPoolId);
    const before = writeCalls();
    const run = await runSetup({ userPoolId, clientId }, ['--apply', '--layer=cognito-native']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      /^Cannot do: the pool is on the Lite feature plan, and Cognito's own passkeys .* need Essentials or Plus: run again with --feature-plan=essentials/m,
    );
    expect(writeCalls()).toBe(before);
  });

  it('refuses a layer it does not know, from the flag or PASSKEY_LAYER, before calling Cognito', async () => {
    const userPoolId = await createPool();
    const before = stack.cognito.calls.get('DescribeUserPool') ?? 0;
    const flag = await runSetup({ userPoolId }, ['--layer=cognito-natve']);
    expect(flag.code).toBe(1);
    expect(flag.stderr.trim()).toBe(
      '--layer must be one of self-hosted, corbado-connect, corbado-complete, cognito-native',
    );
    const env = await runSetup({ userPoolId }, [], { PASSKEY_LAYER: 'native' });
    expect(env.code).toBe(1);
    // PASSKEY_LAYER is the app's own setting: the configuration refuses it, in its words.
    expect(env.stderr.trim()).toBe(
      'Configuration error: PASSKEY_LAYER must be self-hosted, cognito-native or corbado (unset: corbado when CORBADO_PROJECT_ID is set)',
    );
    expect(stack.cognito.calls.get('DescribeUserPool') ?? 0).toBe(before);
  });
});

describe('embedded UpdateUserPoolClient', () => {
  it('resets what the request leaves out to Cognito defaults, as AWS does', async () => {
    const userPoolId = await createPool();
    const { clientId, clientSecret } = await createClient(userPoolId, { CallbackURLs: ['https://app.example.com/cb'] });
    await stack.sdk.send(
      new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, ClientName: 'renamed' }),
    );
    const after = await describeClient(userPoolId, clientId);
    expect(after).toMatchObject({
      ClientName: 'renamed',
      ClientSecret: clientSecret,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
      PreventUserExistenceErrors: 'LEGACY',
      EnableTokenRevocation: false,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { IdToken: 'hours', AccessToken: 'hours', RefreshToken: 'days' },
    });
    expect(after.CallbackURLs).toBeUndefined();
    expect(after.IdTokenValidity).toBeUndefined();
  });
});
