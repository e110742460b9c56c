import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeKeyId } from '@/lib/cognito/challenge/keys';
import { challengeKeySetReport } from '@/scripts/cognito-setup-plan';

/** What `npm run cognito:setup` says about the verify function's key set (AUTH_CHALLENGE_PUBLIC_KEYS). */

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const app = p256();
const next = p256();
const kid = challengeKeyId(app.publicKey);

describe('challengeKeySetReport', () => {
  it('without a set, prints the line that gives the function the app key, named by its kid', () => {
    const { lines, blocker } = challengeKeySetReport(undefined, app.privateKey);
    expect(blocker).toBeNull();
    expect(lines).toEqual([
      `# The verify-auth-challenge function trusts the app's key (kid ${kid}): AUTH_CHALLENGE_PUBLIC_KEYS="${pem(app.publicKey).trim().replace(/\n/g, '\\n')}"`,
    ]);
  });

  it('accepts a set that holds the app key, listing the kids', () => {
    const { lines, blocker } = challengeKeySetReport(pem(next.publicKey) + pem(app.publicKey), app.privateKey);
    expect(blocker).toBeNull();
    expect(lines).toEqual([
      `Challenge key set: 2 keys: ${challengeKeyId(next.publicKey)}, ${kid} (the app signs with it).`,
    ]);
  });

  it('blocks when the set lacks the app key: every sign-in would be refused', () => {
    const { blocker } = challengeKeySetReport(pem(next.publicKey), app.privateKey);
    expect(blocker).toMatch(new RegExp(`lacks the app's signing key \\(kid ${kid}\\)`));
  });

  it('blocks on a malformed set, naming the variable', () => {
    expect(challengeKeySetReport(pem(app.publicKey) + pem(app.publicKey), app.privateKey).blocker).toBe(
      'AUTH_CHALLENGE_PUBLIC_KEYS key 2 repeats an earlier key (kid ' + kid + ')',
    );
  });
});
