import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../lib/settings';
import { challengeKeyPair, INFRA_DIR, LAMBDAS_DIR, publicKeyPem } from './support';

/**
 * The CDK app's entry point run the way the CDK CLI runs it (cdk.json's "app" command with
 * CDK_OUTDIR and CDK_CONTEXT_JSON), offline: no AWS account or credentials are involved.
 */
function runApp(context: Record<string, string>): Promise<{ code: number; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-app-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(INFRA_DIR, 'node_modules/tsx/dist/cli.mjs'), path.join(INFRA_DIR, 'bin/cognito-passkeys.ts')],
      {
        cwd: INFRA_DIR,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify(context),
        },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr, outdir }),
    );
  });
}

describe('the CDK app', () => {
  it('synthesizes the stack template and the three bundle assets from context, as `cdk synth` runs it', async () => {
    const run = await runApp({
      authChallengePublicKey: publicKeyPem.replace(/\n/g, '\\n'),
      existingUserPoolId: 'us-east-2_Abc123',
    });
    expect(run.code, run.stderr).toBe(0);
    const template = JSON.parse(readFileSync(path.join(run.outdir, 'CognitoPasskeys.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(3);
    const assets = JSON.parse(readFileSync(path.join(run.outdir, 'CognitoPasskeys.assets.json'), 'utf8'));
    expect(Object.keys(assets.files)).toHaveLength(4); // three bundles and the template itself
    const manifest = JSON.parse(readFileSync(path.join(run.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.CognitoPasskeys.environment).toMatch(/\/us-east-2$/);
  });

  it('stops with one line naming the missing public key', async () => {
    const run = await runApp({});
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'Configuration error: context authChallengePublicKeys is missing: the public half of AUTH_CHALLENGE_PRIVATE_KEY (npm run keys:challenge prints both)',
    );
  });

  it('refuses a Lite pool for Cognito’s own passkeys at synth, with one line naming the plan', async () => {
    const run = await runApp({
      passkeyLayer: 'cognito-native',
      relyingPartyId: 'app.example.com',
      featurePlan: 'lite',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      "Configuration error: context featurePlan is lite: the pool is on the Lite feature plan, and Cognito's own passkeys (WebAuthn, email codes, the sign-in policy) need Essentials or Plus: set -c featurePlan=essentials or plus",
    );
  });
});

describe('deployment settings', () => {
  const read = (context: Record<string, string>, lambdasDir = LAMBDAS_DIR) =>
    readSettings((key) => ({ authChallengePublicKey: publicKeyPem, lambdasDir, ...context })[key], INFRA_DIR);

  it('refuse the private key, so it never reaches Lambda', () => {
    const privatePem = challengeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => read({ authChallengePublicKey: privatePem })).toThrow('never give the private key to the stack');
  });

  it('refuse a key that is not EC P-256', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() =>
      read({ authChallengePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
    ).toThrow('is not an EC P-256 public key');
  });

  it('take a key set for a rotation, named by RFC 7638 thumbprints, in authChallengePublicKeys', () => {
    const next = challengeKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const settings = readSettings(
      (key) => ({ authChallengePublicKeys: (publicKeyPem + next).replace(/\n/g, '\\n'), lambdasDir: LAMBDAS_DIR })[key],
      INFRA_DIR,
    );
    expect(settings.authChallengePublicKeysPem).toBe(publicKeyPem + next);
    expect(settings.authChallengeKeyIds).toHaveLength(2);
    expect(settings.authChallengeKeyIds[0]).toMatch(/^[\w-]{43}$/);
  });

  it('refuse a malformed key set: too many keys, a repeat, or both context keys', () => {
    const pems = Array.from({ length: 5 }, () =>
      challengeKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    expect(() => read({ authChallengePublicKey: '', authChallengePublicKeys: pems.join('') })).toThrow(
      'context authChallengePublicKeys holds 5 keys; at most 4',
    );
    expect(() => read({ authChallengePublicKey: '', authChallengePublicKeys: publicKeyPem + publicKeyPem })).toThrow(
      'repeats an earlier key',
    );
    expect(() => read({ authChallengePublicKeys: publicKeyPem })).toThrow('are both set');
    expect(() => read({ authChallengePublicKey: publicKeyPem + pems[0] })).toThrow(
      'use authChallengePublicKeys for a set',
    );
  });

  it('refuse a malformed existing pool id and token lifetimes beyond an hour', () => {
    expect(() => read({ existingUserPoolId: 'my-pool' })).toThrow('context existingUserPoolId is malformed');
    expect(() => read({ tokenValidityMinutes: '120' })).toThrow(
      'context tokenValidityMinutes must be a whole number from 5 to 60',
    );
  });

  it('point at `npm run lambdas:build` when the bundles are not built', () => {
    expect(() => read({}, path.join(tmpdir(), 'no-bundles-here'))).toThrow(
      'run `npm run lambdas:build` in the app first',
    );
  });

  it('take the region of an existing pool from its id', () => {
    expect(read({ existingUserPoolId: 'ap-southeast-2_Xyz789' }).region).toBe('ap-southeast-2');
    expect(read({}).region).toBeNull();
  });
});
