/**
 * The CDK app (`npx cdk synth|diff|deploy` in infra/, see cdk.json). Settings come from context:
 *
 *   -c authChallengePublicKeys="$(cat challenge-public.pem)"  required: 1..4 PEM public keys, one after
 *                                                             another (rotation: docs/DEPLOYMENT.md);
 *                                                             authChallengePublicKey (one key) still works
 *   -c existingUserPoolId=eu-central-1_AbC123                 attach to this pool instead of creating one
 *   -c createAppClient=false                                  keep your own app client (then run cognito:setup)
 *   -c tokenValidityMinutes=60  -c refreshTokenValidityDays=30  -c stackName=CognitoPasskeys
 *   -c userPoolName=cognito-passkeys  -c lambdasDir=../dist/lambdas
 *
 * Cognito's own passkeys (the app's PASSKEY_LAYER=cognito-native): no functions, no key, no table:
 *   -c passkeyLayer=cognito-native -c relyingPartyId=app.example.com   required: the app's host
 *   -c featurePlan=essentials|plus (essentials; lite is refused)  -c userVerification=required|preferred
 */
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CognitoPasskeysStack } from '../lib/cognito-passkeys-stack';
import { readSettings, SettingsError } from '../lib/settings';

const app = new App();
try {
  const settings = readSettings((key) => app.node.tryGetContext(key), path.resolve(__dirname, '..'));
  new CognitoPasskeysStack(app, settings.stackName, settings, {
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      // An existing pool decides the region: its triggers must live beside it.
      region: settings.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  app.synth();
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}
