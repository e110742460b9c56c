import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signChallengeAssertion } from '../../lib/cognito/challenge/assertion';
import { challengeKeySet } from '../../lib/cognito/challenge/keys';
import { startTestCognito, applyAppEnvironment, type TestCognito } from '../support/stack';

/**
 * Rotating the app's signing key while users sign in, in the runbook's order (docs/DEPLOYMENT.md):
 * the verify trigger first trusts the old and the new public key, then the app instances switch
 * to the new private key one by one, then the trigger drops the old key. Sign-ins run all along
 * through the app's own CUSTOM_AUTH path (startCustomAuthSession) against the embedded Cognito
 * over real HTTP, and not one may fail.
 *
 * Two app instances live in this process as two fresh module graphs (vi.resetModules), each
 * with its configuration parsed once from its own AUTH_CHALLENGE_PRIVATE_KEY, as two servers
 * of a rolling deployment would have.
 */

type Auth = typeof import('../../lib/cognito/custom-auth');

const USERS = ['ana@example.com', 'ben@example.com', 'cai@example.com', 'dee@example.com'];
let stack: TestCognito;
let oldKey: KeyObject;
const newKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let oldApp: Auth;
let newApp: Auth;

/** An app instance whose configuration is read now, from the environment as it is now. */
async function appInstance(privateKeyPem: string): Promise<Auth> {
  vi.resetModules();
  process.env.AUTH_CHALLENGE_PRIVATE_KEY = privateKeyPem;
  (await import('../../lib/config')).getConfig();
  return import('../../lib/cognito/custom-auth');
}

beforeAll(async () => {
  stack = await startTestCognito();
  applyAppEnvironment(stack.env);
  oldKey = createPrivateKey(stack.env.AUTH_CHALLENGE_PRIVATE_KEY!);
  const { provisionPasswordlessUser } = await import('../../lib/cognito/users');
  for (const email of USERS) await provisionPasswordlessUser(email);
  oldApp = await appInstance(stack.env.AUTH_CHALLENGE_PRIVATE_KEY!);
  newApp = await appInstance(newKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const trust = (...keys: KeyObject[]) => stack.cognito.setChallengePublicKeys(challengeKeySet(keys));

/** Signs the users in, each in its own loop, through whichever app instances `signers()` names now. */
function signInContinuously(signers: () => Auth[]) {
  const tally = { signedIn: 0, failures: [] as string[], byInstance: new Map<Auth, number>() };
  let running = true;
  const loops = USERS.map(async (email, worker) => {
    for (let round = 0; running; round += 1) {
      const instances = signers();
      const app = instances[(worker + round) % instances.length]!;
      try {
        const result = await app.startCustomAuthSession(email);
        if (result.outcome !== 'signed_in') throw new Error(result.outcome);
        tally.signedIn += 1;
        tally.byInstance.set(app, (tally.byInstance.get(app) ?? 0) + 1);
      } catch (error) {
        tally.failures.push(`${email}: ${(error as Error).message}`);
      }
    }
  });
  return {
    tally,
    /** Resolves once `count` more sign-ins have succeeded; fails at the first failed sign-in. */
    async further(count: number) {
      const target = tally.signedIn + count;
      // A guard against a hang only: a failure ends the wait at once.
      const giveUpAt = Date.now() + 30_000;
      while (tally.signedIn < target && tally.failures.length === 0 && Date.now() < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(tally.failures).toEqual([]);
      expect(tally.signedIn).toBeGreaterThanOrEqual(target);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const secretHash = (username: string) =>
  createHmac('sha256', stack.cognito.clientSecret)
    .update(username + stack.cognito.clientId)
    .digest('base64');

/** Answers a fresh CUSTOM_AUTH challenge with an assertion by `signer`: 'tokens' or what Cognito said instead. */
async function answerWith(signer: KeyObject, email = USERS[0]!): Promise<string> {
  const { UserPoolId, clientId } = { UserPoolId: stack.cognito.userPoolId, clientId: stack.cognito.clientId };
  const challenge = await stack.sdk.send(
    new AdminInitiateAuthCommand({
      UserPoolId,
      ClientId: clientId,
      AuthFlow: 'CUSTOM_AUTH',
      AuthParameters: { USERNAME: email, SECRET_HASH: secretHash(email) },
    }),
  );
  const username = challenge.ChallengeParameters!.USERNAME!;
  const answer = await signChallengeAssertion(signer, {
    nonce: challenge.ChallengeParameters!.nonce!,
    username,
    clientId,
  });
  const result = await stack.sdk.send(
    new AdminRespondToAuthChallengeCommand({
      UserPoolId,
      ClientId: clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: challenge.Session,
      ChallengeResponses: { USERNAME: username, ANSWER: answer, SECRET_HASH: secretHash(username) },
    }),
  );
  return result.AuthenticationResult?.IdToken ? 'tokens' : (result.ChallengeName ?? 'nothing');
}

describe('rotating the challenge signing key', () => {
  it('loses no sign-in when the trigger trusts the new key before any app signs with it', async () => {
    trust(createPublicKey(oldKey));
    let signers = [oldApp];
    const run = signInContinuously(() => signers);
    try {
      await run.further(8);
      // 1. The trigger's configuration gains the new public key (the Lambda update is live).
      trust(createPublicKey(oldKey), newKeys.publicKey);
      await run.further(8);
      // 2. A rolling deployment: old and new app instances sign side by side, then only new ones.
      signers = [oldApp, newApp];
      await run.further(16);
      signers = [newApp];
      await run.further(8);
      // 3. Once no old instance is left, the old public key goes.
      trust(newKeys.publicKey);
      await run.further(8);
    } finally {
      await run.stop();
    }
    expect(run.tally.failures).toEqual([]);
    expect(run.tally.byInstance.get(oldApp)).toBeGreaterThanOrEqual(8);
    expect(run.tally.byInstance.get(newApp)).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('refuses an assertion by the removed key, or by a key never added, and accepts the current one', async () => {
    trust(newKeys.publicKey);
    expect(await answerWith(oldKey)).toBe('CUSTOM_CHALLENGE');
    expect(await answerWith(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toBe('CUSTOM_CHALLENGE');
    expect(await answerWith(newKeys.privateKey)).toBe('tokens');
  });

  it('fails sign-ins when an app switches before the trigger trusts its key (why the order matters)', async () => {
    trust(createPublicKey(oldKey));
    await expect(newApp.startCustomAuthSession(USERS[1]!)).rejects.toThrow();
    await expect(oldApp.startCustomAuthSession(USERS[1]!)).resolves.toMatchObject({ outcome: 'signed_in' });
  });
});
