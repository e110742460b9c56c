import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { calculateJwkThumbprint, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createVerifyAuthChallengeHandler,
  challengeKeysFromEnvironment,
  type VerifyLogEntry,
} from '@/lambdas/verify-auth-challenge';
import {
  ASSERTION_ISSUER,
  ASSERTION_TYPE,
  checkChallengeAssertion,
  signChallengeAssertion,
} from '@/lib/cognito/challenge/assertion';
import {
  ChallengeKeySetError,
  MAX_CHALLENGE_KEYS,
  challengeKeyId,
  challengeKeySet,
  parseChallengePublicKeys,
} from '@/lib/cognito/challenge/keys';

/** The key set of the verify trigger, for rotating the app's signing key without a failed sign-in. */

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const current = p256();
const next = p256();
const stranger = p256();
const BINDING = { nonce: 'n'.repeat(43), username: 'user-1', clientId: 'client1' };

describe('challengeKeyId', () => {
  it('is the RFC 7638 thumbprint, the same from the private and the public half', async () => {
    const expected = await calculateJwkThumbprint(current.publicKey.export({ format: 'jwk' }) as never, 'sha256');
    expect(challengeKeyId(current.publicKey)).toBe(expected);
    expect(challengeKeyId(current.privateKey)).toBe(expected);
    expect(challengeKeyId(next.publicKey)).not.toBe(expected);
  });

  it('is written into every assertion header', async () => {
    const header = decodeProtectedHeader(await signChallengeAssertion(current.privateKey, BINDING));
    expect(header).toEqual({ alg: 'ES256', typ: ASSERTION_TYPE, kid: challengeKeyId(current.publicKey) });
  });
});

describe('parseChallengePublicKeys', () => {
  it.each([
    ['one PEM', pem(current.publicKey), 1],
    ['two PEMs, one after the other', pem(current.publicKey) + pem(next.publicKey), 2],
    ['two PEMs with literal \\n escapes', (pem(current.publicKey) + pem(next.publicKey)).replace(/\n/g, '\\n'), 2],
    [
      'a JWKS with kids, alg and use',
      JSON.stringify({
        keys: [current, next].map((k) => ({
          ...k.publicKey.export({ format: 'jwk' }),
          kid: challengeKeyId(k.publicKey),
          alg: 'ES256',
          use: 'sig',
        })),
      }),
      2,
    ],
    [
      'a JWKS without kids',
      JSON.stringify({ keys: [current.publicKey, next.publicKey].map((k) => k.export({ format: 'jwk' })) }),
      2,
    ],
  ])('reads %s, keyed by thumbprint', (_what, text, size) => {
    const set = parseChallengePublicKeys(text);
    expect(set.size).toBe(size);
    expect(set.get(challengeKeyId(current.publicKey))?.equals(current.publicKey)).toBe(true);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const fiveKeys = Array.from({ length: MAX_CHALLENGE_KEYS + 1 }, () => pem(p256().publicKey)).join('');
  it.each([
    ['an empty value', '  ', /holds no public key/],
    ['text that is no key', 'hello', /neither PEM public keys nor a JWKS/],
    [
      'a broken PEM',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      /key 1 is not a readable PEM public key/,
    ],
    ['text between PEMs', `${pem(current.publicKey)}garbage\n${pem(next.publicKey)}`, /text outside its PEM blocks/],
    [
      'a private key PEM',
      current.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /"PRIVATE KEY" block/,
    ],
    ['an RSA key', pem(rsa.publicKey), /key 1 is not an EC P-256 public key/],
    ['a P-384 key', pem(current.publicKey) + pem(p384.publicKey), /key 2 is not an EC P-256 public key/],
    ['an Ed25519 key', pem(ed.publicKey), /key 1 is not an EC P-256 public key/],
    [`${MAX_CHALLENGE_KEYS + 1} keys`, fiveKeys, /holds 5 keys; at most 4/],
    ['the same key twice', pem(current.publicKey) + pem(current.publicKey), /key 2 repeats an earlier key/],
    ['malformed JSON', '{"keys": [', /not valid JSON/],
    ['JSON without keys', '{"kty":"EC"}', /without a "keys" array/],
    [
      'a JWKS of an RSA key',
      JSON.stringify({ keys: [rsa.publicKey.export({ format: 'jwk' })] }),
      /key 1 is not an EC P-256 JWK/,
    ],
    [
      'a JWKS of a private key',
      JSON.stringify({ keys: [current.privateKey.export({ format: 'jwk' })] }),
      /key 1 is a private key/,
    ],
    [
      'a JWKS with a point off the curve',
      JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] }),
      /not a readable JWK/,
    ],
    ['a JWKS with a null entry', JSON.stringify({ keys: [null] }), /key 1 is not an EC P-256 JWK/],
    [
      'a JWKS whose kid is not the thumbprint',
      JSON.stringify({ keys: [{ ...current.publicKey.export({ format: 'jwk' }), kid: 'my-key-2026' }] }),
      /kid "my-key-2026", not its RFC 7638 thumbprint/,
    ],
    [
      'a JWKS naming two keys by one kid',
      JSON.stringify({
        keys: [current, next].map((k) => ({
          ...k.publicKey.export({ format: 'jwk' }),
          kid: challengeKeyId(current.publicKey),
        })),
      }),
      /key 2 has kid/,
    ],
    [
      'a JWKS with the same key twice',
      JSON.stringify({
        keys: [current.publicKey.export({ format: 'jwk' }), current.publicKey.export({ format: 'jwk' })],
      }),
      /key 2 repeats an earlier key/,
    ],
    [
      `a JWKS of ${MAX_CHALLENGE_KEYS + 1} keys`,
      JSON.stringify({ keys: Array(5).fill({}) }),
      /holds 5 keys; at most 4/,
    ],
  ])('refuses %s with a clear error', (_what, text, message) => {
    expect(() => parseChallengePublicKeys(text)).toThrow(ChallengeKeySetError);
    expect(() => parseChallengePublicKeys(text)).toThrow(message);
  });

  it('refuses a private KeyObject in a set built in code', () => {
    expect(() => challengeKeySet([current.privateKey])).toThrow(/key 1 is a private key/);
  });
});

describe('the verify Lambda reads its key set at cold start', () => {
  it('takes AUTH_CHALLENGE_PUBLIC_KEYS, or the single AUTH_CHALLENGE_PUBLIC_KEY of earlier deployments', () => {
    const two = pem(current.publicKey) + pem(next.publicKey);
    expect(challengeKeysFromEnvironment({ AUTH_CHALLENGE_PUBLIC_KEYS: two }).size).toBe(2);
    expect(challengeKeysFromEnvironment({ AUTH_CHALLENGE_PUBLIC_KEY: pem(current.publicKey) }).size).toBe(1);
  });

  it.each([
    [
      'both variables',
      { AUTH_CHALLENGE_PUBLIC_KEYS: pem(next.publicKey), AUTH_CHALLENGE_PUBLIC_KEY: pem(current.publicKey) },
      /not both/,
    ],
    [
      'a set in the single-key variable',
      { AUTH_CHALLENGE_PUBLIC_KEY: pem(current.publicKey) + pem(next.publicKey) },
      /AUTH_CHALLENGE_PUBLIC_KEY holds several keys/,
    ],
    [
      'a malformed set, named by its variable',
      { AUTH_CHALLENGE_PUBLIC_KEYS: pem(current.publicKey) + pem(current.publicKey) },
      /^AUTH_CHALLENGE_PUBLIC_KEYS key 2 repeats/,
    ],
    ['nothing', {}, /neither AUTH_CHALLENGE_PUBLIC_KEYS nor AUTH_CHALLENGE_PUBLIC_KEY is set/],
  ])('fails on %s', (_what, env, message) => {
    expect(() => challengeKeysFromEnvironment(env)).toThrow(message);
  });
});

function verifyEvent(challengeAnswer: string): VerifyAuthChallengeResponseTriggerEvent {
  return {
    version: '1',
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_Test',
    userName: BINDING.username,
    callerContext: { awsSdkVersion: 'test', clientId: BINDING.clientId },
    triggerSource: 'VerifyAuthChallengeResponse_Authentication',
    request: { userAttributes: {}, privateChallengeParameters: { nonce: BINDING.nonce }, challengeAnswer },
    response: { answerCorrect: true },
  };
}

/** An assertion with the right claims and the given header, signed by `key`. */
function craft(key: KeyObject, header: Record<string, unknown>) {
  return new SignJWT({ nonce: BINDING.nonce })
    .setProtectedHeader({ alg: 'ES256', typ: ASSERTION_TYPE, ...header })
    .setIssuer(ASSERTION_ISSUER)
    .setSubject(BINDING.username)
    .setAudience(BINDING.clientId)
    .setIssuedAt()
    .setExpirationTime('30s')
    .sign(key);
}

describe('verify-auth-challenge with a key set', () => {
  const both = challengeKeySet([current.publicKey, next.publicKey]);
  const logged: VerifyLogEntry[] = [];
  const verify = createVerifyAuthChallengeHandler(both, (entry) => logged.push(entry));
  const outcome = async (answer: string) => (await verify(verifyEvent(answer))).response.answerCorrect;

  it('accepts an assertion by either trusted key, picked by its kid, and logs the kid', async () => {
    logged.length = 0;
    expect(await outcome(await signChallengeAssertion(current.privateKey, BINDING))).toBe(true);
    expect(await outcome(await signChallengeAssertion(next.privateKey, BINDING))).toBe(true);
    expect(logged).toEqual([
      { msg: 'challenge answer accepted', kid: challengeKeyId(current.publicKey) },
      { msg: 'challenge answer accepted', kid: challengeKeyId(next.publicKey) },
    ]);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['a key it does not hold', () => signChallengeAssertion(stranger.privateKey, BINDING), 'unknown_kid'],
    ['no kid, with two keys trusted', () => craft(current.privateKey, {}), 'missing_kid'],
    [
      'a trusted kid on a stranger’s signature',
      () => craft(stranger.privateKey, { kid: challengeKeyId(current.publicKey) }),
      'bad_signature',
    ],
    [
      'the kid of the other trusted key',
      () => craft(next.privateKey, { kid: challengeKeyId(current.publicKey) }),
      'bad_signature',
    ],
    ['a kid that is not a string', () => craft(current.privateKey, { kid: 7 }), 'malformed'],
    ['an oversized kid', () => craft(current.privateKey, { kid: 'k'.repeat(200) }), 'malformed'],
    [
      'an embedded jwk header naming the attacker’s key',
      () => craft(stranger.privateKey, { jwk: stranger.publicKey.export({ format: 'jwk' }) }),
      'missing_kid',
    ],
  ])('refuses an assertion with %s and logs why', async (_what, build, reason) => {
    logged.length = 0;
    expect(await outcome(await build())).toBe(false);
    expect(logged).toEqual([expect.objectContaining({ msg: 'challenge answer refused', reason })]);
    expect(JSON.stringify(logged)).not.toContain(BINDING.nonce);
  });

  it('accepts an assertion without kid when a single key is trusted (apps from before key ids)', async () => {
    const single = createVerifyAuthChallengeHandler(challengeKeySet([current.publicKey]), () => undefined);
    expect((await single(verifyEvent(await craft(current.privateKey, {})))).response.answerCorrect).toBe(true);
    expect((await single(verifyEvent(await craft(stranger.privateKey, {})))).response.answerCorrect).toBe(false);
  });

  it('refuses every answer when the trusted key is of the wrong type, without throwing', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const answer = await signChallengeAssertion(current.privateKey, BINDING);
    await expect(checkChallengeAssertion(answer, rsa.publicKey, BINDING)).resolves.toEqual({
      valid: false,
      reason: 'wrong_key_type',
    });
    const handBuilt = new Map([[challengeKeyId(current.publicKey), rsa.publicKey]]);
    await expect(checkChallengeAssertion(answer, handBuilt, BINDING)).resolves.toMatchObject({
      valid: false,
      reason: 'wrong_key_type',
    });
  });
});
