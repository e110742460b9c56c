import 'server-only';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';
import { getConfig } from '../config';

let client: CognitoIdentityProviderClient | undefined;

/** The one Cognito client of the process (keeps its connections and credentials warm). */
export function cognitoClient(): CognitoIdentityProviderClient {
  if (!client) {
    const { cognito, embedded } = getConfig();
    client = new CognitoIdentityProviderClient({
      region: cognito.region,
      ...(cognito.endpoint ? { endpoint: cognito.endpoint } : {}),
      // The embedded emulator ignores credentials; AWS uses the default provider chain.
      ...(embedded ? { credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' } } : {}),
      maxAttempts: 3,
    });
  }
  return client;
}

/** SECRET_HASH for a confidential app client, or nothing for a public one. */
export function secretHashFor(username: string): { SECRET_HASH: string } | Record<string, never> {
  const { clientId, clientSecret } = getConfig().cognito;
  if (!clientSecret) return {};
  return { SECRET_HASH: createHmac('sha256', clientSecret).update(username + clientId).digest('base64') };
}
