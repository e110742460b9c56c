import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CognitoPasskeysStack } from '../lib/cognito-passkeys-stack';
import { readSettings } from '../lib/settings';

export const INFRA_DIR = path.resolve(__dirname, '..');
export const APP_DIR = path.resolve(INFRA_DIR, '..');
export const LAMBDAS_DIR = path.join(APP_DIR, 'dist/lambdas');

export function challengeKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export const publicKeyPem = challengeKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** Synthesizes the stack as `cdk synth` would (assets staged into a temporary cloud assembly). */
export function synthesize(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-test-'));
  const app = new App({ outdir });
  const settings = readSettings((key) => ({ authChallengePublicKey: publicKeyPem, ...context })[key], INFRA_DIR);
  const stack = new CognitoPasskeysStack(app, settings.stackName, settings, {
    env: { account: '123456789012', region: settings.region ?? 'eu-central-1' },
  });
  const assembly = app.synth();
  return { stack, template: Template.fromStack(stack), assembly, outdir };
}
