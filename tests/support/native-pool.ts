import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CompleteWebAuthnRegistrationCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SetUserPoolMfaConfigCommand,
  StartWebAuthnRegistrationCommand,
  type CognitoIdentityProviderClient,
  type UserPoolTierType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { SoftAuthenticator, Tampering } from './soft-authenticator';

/**
 * A user pool set up for Amazon Cognito's own passkeys in the embedded Cognito (or in AWS: the
 * same calls), as `npm run cognito:setup` would for the native layer: a feature plan, a sign-in
 * policy, a WebAuthnConfiguration, and a confidential client with ALLOW_USER_AUTH.
 */

export interface NativePool {
  userPoolId: string;
  clientId: string;
  clientSecret: string;
}

export interface NativePoolOptions {
  tier?: UserPoolTierType;
  /** AllowedFirstAuthFactors; default PASSWORD, EMAIL_OTP, WEB_AUTHN. */
  factors?: string[];
  /** WebAuthnConfiguration; null leaves it unset. Default localhost, required. */
  webAuthn?: { RelyingPartyId?: string; UserVerification?: 'required' | 'preferred' } | null;
  /** The client's flows; default ALLOW_USER_AUTH and ALLOW_REFRESH_TOKEN_AUTH. */
  flows?: string[];
}

export async function createNativePool(
  sdk: CognitoIdentityProviderClient,
  options: NativePoolOptions = {},
): Promise<NativePool> {
  const { UserPool } = await sdk.send(
    new CreateUserPoolCommand({
      PoolName: 'native-passkeys',
      UserPoolTier: options.tier ?? 'ESSENTIALS',
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      Policies: {
        SignInPolicy: { AllowedFirstAuthFactors: (options.factors ?? ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']) as never },
      },
    }),
  );
  const userPoolId = UserPool!.Id!;
  const webAuthn =
    options.webAuthn === undefined
      ? { RelyingPartyId: 'localhost', UserVerification: 'required' as const }
      : options.webAuthn;
  if (webAuthn)
    await sdk.send(new SetUserPoolMfaConfigCommand({ UserPoolId: userPoolId, WebAuthnConfiguration: webAuthn }));
  const client = await addClient(sdk, userPoolId, options.flows);
  return { userPoolId, ...client };
}

export async function addClient(
  sdk: CognitoIdentityProviderClient,
  userPoolId: string,
  flows = ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
): Promise<{ clientId: string; clientSecret: string }> {
  const { UserPoolClient } = await sdk.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'native-app',
      GenerateSecret: true,
      ExplicitAuthFlows: flows as never,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    }),
  );
  return { clientId: UserPoolClient!.ClientId!, clientSecret: UserPoolClient!.ClientSecret! };
}

export function secretHashFor(pool: Pick<NativePool, 'clientId' | 'clientSecret'>, username: string): string {
  return createHmac('sha256', pool.clientSecret)
    .update(username + pool.clientId)
    .digest('base64');
}

/** A confirmed user with an email and a password, made as an admin would. */
export async function addNativeUser(
  sdk: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  password: string,
) {
  await sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  await sdk.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }),
  );
}

/** The user's tokens by USER_AUTH with the password (the quickest way to an access token). */
export async function passwordTokens(
  sdk: CognitoIdentityProviderClient,
  pool: Pick<NativePool, 'clientId' | 'clientSecret'>,
  email: string,
  password: string,
) {
  const answer = await sdk.send(
    new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: 'USER_AUTH',
      AuthParameters: {
        USERNAME: email,
        PREFERRED_CHALLENGE: 'PASSWORD',
        PASSWORD: password,
        SECRET_HASH: secretHashFor(pool, email),
      },
    }),
  );
  return answer.AuthenticationResult!;
}

/** StartWebAuthnRegistration, the authenticator's answer, CompleteWebAuthnRegistration. */
export async function registerPasskey(
  sdk: CognitoIdentityProviderClient,
  accessToken: string,
  authenticator: SoftAuthenticator,
  tampering: Tampering = {},
): Promise<void> {
  const { CredentialCreationOptions } = await sdk.send(
    new StartWebAuthnRegistrationCommand({ AccessToken: accessToken }),
  );
  const credential = authenticator.register(
    CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
    tampering,
  );
  await sdk.send(
    new CompleteWebAuthnRegistrationCommand({ AccessToken: accessToken, Credential: credential as never }),
  );
}

/** The newest EMAIL_OTP code the embedded Cognito wrote to the outbox for `email`. */
export function latestCognitoCode(dataDir: string, email: string): string {
  const lines = readFileSync(path.join(dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    const message = JSON.parse(line) as { to: string; text: string; from?: string };
    const code = /\b(\d{8})\b/.exec(message.text)?.[1];
    if (message.from === 'embedded-cognito' && message.to === email && code) return code;
  }
  throw new Error(`no Cognito code for ${email} in the outbox`);
}
