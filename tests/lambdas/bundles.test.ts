import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signChallengeAssertion } from '../../lib/cognito/challenge/assertion';
import { challengeKeyPair, isolatedEnv } from '../support/stack';

/**
 * `npm run lambdas:build` output, run the way Lambda runs it: each bundle copied alone into an
 * empty folder (no node_modules anywhere above it) and imported by a bare Node process.
 */
const HANDLERS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge'];
const workdir = mkdtempSync(path.join(tmpdir(), 'lambda-bundles-'));
const { privateKey, publicKey } = challengeKeyPair();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

beforeAll(() => {
  execFileSync(path.resolve('node_modules/.bin/tsx'), ['scripts/build-lambdas.ts', path.join(workdir, 'built')], {
    stdio: 'ignore',
  });
  for (const name of HANDLERS) {
    mkdirSync(path.join(workdir, 'lambda', name), { recursive: true });
    copyFileSync(path.join(workdir, 'built', name, 'index.mjs'), path.join(workdir, 'lambda', name, 'index.mjs'));
  }
}, 60_000);
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** Invokes a copied bundle's `handler` in a fresh `node` with only the given environment. */
function invoke(name: string, event: object, env: Record<string, string> = {}): { response: Record<string, unknown> } {
  // The handler's own log lines come first on stdout (the verify trigger logs every answer).
  const script = `import(process.argv[1]).then((m) => m.handler(JSON.parse(process.argv[2]))).then((e) => process.stdout.write('\\n' + JSON.stringify(e)))`;
  const output = execFileSync(
    process.execPath,
    ['-e', script, path.join(workdir, 'lambda', name, 'index.mjs'), JSON.stringify(event)],
    {
      cwd: path.join(workdir, 'lambda', name),
      env: isolatedEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(output.toString().split('\n').at(-1)!);
}

const base = (request: object, response: object) => ({
  version: '1',
  region: 'eu-central-1',
  userPoolId: 'eu-central-1_Test',
  userName: 'user-1',
  callerContext: { awsSdkVersion: 'test', clientId: 'client-1' },
  triggerSource: 'test',
  request,
  response,
});

describe('bundled trigger handlers', () => {
  it.each(HANDLERS)('%s is one self-contained file under 100 KB', (name) => {
    const size = statSync(path.join(workdir, 'lambda', name, 'index.mjs')).size;
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(100 * 1024);
  });

  it('define, create and verify run alone and accept only the app-signed assertion', async () => {
    const defined = invoke('define-auth-challenge', base({ session: [], userAttributes: {} }, {}));
    expect(defined.response).toMatchObject({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false });

    const created = invoke(
      'create-auth-challenge',
      base({ challengeName: 'CUSTOM_CHALLENGE', session: [], userAttributes: {} }, {}),
    );
    const nonce = (created.response.privateChallengeParameters as { nonce: string }).nonce;
    expect(nonce).toMatch(/^[\w-]{43}$/);

    const answer = await signChallengeAssertion(privateKey, { nonce, username: 'user-1', clientId: 'client-1' });
    const verify = (challengeAnswer: string, env = { AUTH_CHALLENGE_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n') }) =>
      invoke(
        'verify-auth-challenge',
        base({ privateChallengeParameters: { nonce }, challengeAnswer, userAttributes: {} }, {}),
        env,
      );
    expect(verify(answer).response.answerCorrect).toBe(true);
    expect(verify(nonce).response.answerCorrect).toBe(false);
    const nextPem = challengeKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keySet = { AUTH_CHALLENGE_PUBLIC_KEYS: (nextPem + publicPem).replace(/\n/g, '\\n') };
    expect(verify(answer, keySet as never).response.answerCorrect).toBe(true);
    expect(() => verify(answer, { AUTH_CHALLENGE_PUBLIC_KEYS: nextPem + nextPem } as never)).toThrow(
      /repeats an earlier key/,
    );
    expect(() => verify(answer, {} as never)).toThrow(
      /neither AUTH_CHALLENGE_PUBLIC_KEYS nor AUTH_CHALLENGE_PUBLIC_KEY is set/,
    );
  });
});
