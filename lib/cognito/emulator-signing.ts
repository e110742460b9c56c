import type { CognitoIdentityProviderClientConfig } from '@aws-sdk/client-cognito-identity-provider';

type SigningConfig = Required<Pick<CognitoIdentityProviderClientConfig, 'credentials' | 'httpAuthSchemeProvider'>>;

/**
 * SDK client settings for a Cognito endpoint that answers signed requests only (the embedded
 * Cognito: embedded-cognito/request-signature.ts). The SDK sends Cognito's public operations
 * (InitiateAuth, RespondToAuthChallenge, GetUser, RevokeToken, ...) unsigned even with
 * credentials, as AWS authenticates those by client secret or token; here every operation is
 * signed with SigV4 (service cognito-idp) so the emulator can tell the app from anyone else.
 * No `server-only`: the launcher's scripts and the tests build their clients with it too.
 */
export function signEveryCall(credentials: { accessKeyId: string; secretAccessKey: string }): SigningConfig {
  return {
    credentials,
    httpAuthSchemeProvider: (parameters) => [
      {
        schemeId: 'aws.auth#sigv4',
        signingProperties: { name: 'cognito-idp', region: parameters.region },
        // As the SDK's own SigV4 option: the signer reads the client config from here.
        propertiesExtractor: (config, context) => ({ signingProperties: { config, context } }),
      },
    ],
  };
}
