import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  SetUserPoolMfaConfigCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  type CognitoIdentityProviderClient,
  type ExplicitAuthFlowsType,
} from '@aws-sdk/client-cognito-identity-provider';
import { NATIVE_PASSKEY_REQUIREMENTS } from '../lib/cognito/requirements';

/**
 * Sets up a pool and its app client for Cognito's own passkeys (PASSKEY_LAYER=cognito-native),
 * as lib/cognito/requirements.ts describes them: the Essentials plan, the sign-in policy's first
 * factors (PASSWORD, EMAIL_OTP, WEB_AUTHN), a WebAuthnConfiguration for the app's relying party,
 * and ALLOW_USER_AUTH beside the client's other flows. The launcher runs it on the embedded pool
 * (environment.ts), so choosing the layer needs no other setting; tests run it on theirs.
 * Idempotent; every other setting of the pool and client is kept.
 */
export async function configureNativePasskeys(
  sdk: CognitoIdentityProviderClient,
  pool: { userPoolId: string; clientId: string },
  relyingPartyId: string,
): Promise<void> {
  const required = NATIVE_PASSKEY_REQUIREMENTS;
  const { UserPool } = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId }));
  await sdk.send(
    new UpdateUserPoolCommand({
      UserPoolId: pool.userPoolId,
      UserPoolTier: required.upgradeFeaturePlan,
      // UpdateUserPool replaces what it is given: the password policy goes back in beside the sign-in policy.
      Policies: {
        ...UserPool?.Policies,
        SignInPolicy: { AllowedFirstAuthFactors: [...required.firstAuthFactors] },
      },
      AutoVerifiedAttributes: UserPool?.AutoVerifiedAttributes,
      LambdaConfig: UserPool?.LambdaConfig,
      AdminCreateUserConfig: UserPool?.AdminCreateUserConfig,
    }),
  );
  await sdk.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: pool.userPoolId,
      WebAuthnConfiguration: { RelyingPartyId: relyingPartyId, UserVerification: required.userVerification },
    }),
  );
  const { UserPoolClient: client } = await sdk.send(
    new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }),
  );
  const flows = new Set<string>([...(client?.ExplicitAuthFlows ?? []), ...required.authFlows]);
  await sdk.send(
    new UpdateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientId: pool.clientId,
      ExplicitAuthFlows: [...flows] as ExplicitAuthFlowsType[],
      PreventUserExistenceErrors: client?.PreventUserExistenceErrors,
      EnableTokenRevocation: client?.EnableTokenRevocation,
      IdTokenValidity: client?.IdTokenValidity,
      AccessTokenValidity: client?.AccessTokenValidity,
      RefreshTokenValidity: client?.RefreshTokenValidity,
      TokenValidityUnits: client?.TokenValidityUnits,
    }),
  );
}
