import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { SignJWT, type JWTPayload } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ASSERTION_ISSUER,
  ASSERTION_MAX_TTL_SECONDS,
  ASSERTION_TYPE,
  isValidChallengeAssertion,
  signChallengeAssertion,
  type AssertionBinding,
} from '@/lib/cognito/challenge/assertion';
import { handler as createAuthChallenge } from '@/lambdas/create-auth-challenge';
import { MAX_CHALLENGE_ATTEMPTS, handler as defineAuthChallenge } from '@/lambdas/define-auth-challenge';
import { createVerifyAuthChallengeHandler } from '@/lambdas/verify-auth-challenge';
import { challengeKeySet } from '@/lib/cognito/challenge/keys';

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const USERNAME = '6f1c2b4a-1111-4c3e-9d55-2a7b8c9d0e1f';
const CLIENT_ID = '1h2k3l4m5n6o7p8q9r0s1t2u3v';
const NONCE = 'qL0b8c1sV3yP2m7XkZ4tR9wA5nE6hJ1uG8dF0iO3aB2';
type SessionStep = DefineAuthChallengeTriggerEvent['request']['session'][number];
type CustomChallengeResult = Extract<SessionStep, { challengeName: 'CUSTOM_CHALLENGE' }>;
type ChallengeResult = Exclude<SessionStep, CustomChallengeResult>;

const BINDING: AssertionBinding = { nonce: NONCE, username: USERNAME, clientId: CLIENT_ID };

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a right assertion issued now, valid for 30 s. */
function rightClaims(): JWTPayload {
  const at = now();
  return { nonce: NONCE, iss: ASSERTION_ISSUER, sub: USERNAME, aud: CLIENT_ID, iat: at, exp: at + 30 };
}

/** A hand-built ES256 assertion: everything right unless an override says otherwise. */
async function craft(
  overrides: { header?: Record<string, unknown>; payload?: JWTPayload; key?: KeyObject | Uint8Array } = {},
): Promise<string> {
  const payload: JWTPayload = { ...rightClaims(), ...overrides.payload };
  for (const [claim, value] of Object.entries(payload)) if (value === undefined) delete payload[claim];
  const header = { alg: 'ES256', typ: ASSERTION_TYPE, ...overrides.header };
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(overrides.key ?? keys.privateKey);
}

describe('challenge assertion', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('verifies an assertion it signed, with the matching public key (round trip)', async () => {
    const assertion = await signChallengeAssertion(keys.privateKey, BINDING);
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(true);
  });

  it('verifies a hand-crafted assertion that follows the rules (the crafting helper is sound)', async () => {
    await expect(isValidChallengeAssertion(await craft(), keys.publicKey, BINDING)).resolves.toBe(true);
  });

  it('rejects an assertion checked with another key', async () => {
    const assertion = await signChallengeAssertion(keys.privateKey, BINDING);
    await expect(isValidChallengeAssertion(assertion, otherKeys.publicKey, BINDING)).resolves.toBe(false);
  });

  it('rejects an assertion signed by another key', async () => {
    const assertion = await signChallengeAssertion(otherKeys.privateKey, BINDING);
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it.each<[string, Partial<AssertionBinding>]>([
    ['another nonce', { nonce: 'another-nonce-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }],
    ['another username', { username: 'someone-else' }],
    ['another client id', { clientId: 'anotherclient0000000000000' }],
  ])('rejects an assertion bound to %s', async (_what, change) => {
    const assertion = await signChallengeAssertion(keys.privateKey, { ...BINDING, ...change });
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it('never matches an empty expected nonce, even with an assertion bound to an empty nonce', async () => {
    const assertion = await signChallengeAssertion(keys.privateKey, { ...BINDING, nonce: '' });
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, { ...BINDING, nonce: '' })).resolves.toBe(false);
  });

  it('rejects an unsigned token (alg none)', async () => {
    const token = `${b64url({ alg: 'none', typ: ASSERTION_TYPE })}.${b64url(rightClaims())}.`;
    await expect(isValidChallengeAssertion(token, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it('rejects HS256 signed with the public key bytes (algorithm confusion)', async () => {
    const forged = await craft({ header: { alg: 'HS256' }, key: new TextEncoder().encode(PUBLIC_PEM) });
    await expect(isValidChallengeAssertion(forged, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it.each([
    ['a plain JWT typ', { typ: 'JWT' }],
    ['no typ', { typ: undefined }],
    ['a look-alike typ', { typ: 'cognito-challenge' }],
  ])('rejects an assertion with %s', async (_what, header) => {
    await expect(isValidChallengeAssertion(await craft({ header }), keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it.each<[string, JWTPayload]>([
    ['no nonce', { nonce: undefined }],
    ['a numeric nonce', { nonce: 12345 }],
    ['another issuer', { iss: 'someone-else' }],
    ['no issuer', { iss: undefined }],
    ['no subject', { sub: undefined }],
    ['no audience', { aud: undefined }],
    ['no expiry', { exp: undefined }],
    ['no issued-at', { iat: undefined }],
    ['a lifetime over 60 s', { exp: Math.floor(Date.now() / 1000) + 120 }],
    [
      'an issued-at older than 60 s',
      { iat: Math.floor(Date.now() / 1000) - 61, exp: Math.floor(Date.now() / 1000) + 5 },
    ],
    [
      'an issued-at in the future',
      { iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 3630 },
    ],
    ['an expiry in the past', { iat: Math.floor(Date.now() / 1000) - 40, exp: Math.floor(Date.now() / 1000) - 10 }],
  ])('rejects an assertion with %s', async (_what, payload) => {
    await expect(isValidChallengeAssertion(await craft({ payload }), keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it('rejects an assertion once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const assertion = await signChallengeAssertion(keys.privateKey, BINDING, 30);
    vi.setSystemTime(new Date('2030-01-01T00:00:29Z'));
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(true);
    vi.setSystemTime(new Date('2030-01-01T00:00:31Z'));
    await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { toString: () => 'x' }],
    ['an array', ['a.b.c']],
    ['an empty string', ''],
  ])('rejects a non-string or empty answer (%s)', async (_what, answer) => {
    await expect(isValidChallengeAssertion(answer, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it('rejects a 10 KB answer even when it is a validly signed assertion', async () => {
    const big = await craft({ payload: { pad: 'x'.repeat(10 * 1024) } });
    expect(big.length).toBeGreaterThan(10 * 1024);
    await expect(isValidChallengeAssertion(big, keys.publicKey, BINDING)).resolves.toBe(false);
  });

  it.each(['garbage', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', '...'])(
    'answers false (never throws) for %j',
    async (answer) => {
      await expect(isValidChallengeAssertion(answer, keys.publicKey, BINDING)).resolves.toBe(false);
    },
  );

  it.each([0, -1, ASSERTION_MAX_TTL_SECONDS + 1, 3600])('signChallengeAssertion refuses a ttl of %s s', async (ttl) => {
    await expect(signChallengeAssertion(keys.privateKey, BINDING, ttl)).rejects.toThrow(RangeError);
  });

  it.each([1, ASSERTION_MAX_TTL_SECONDS])(
    'signChallengeAssertion accepts a ttl of %s s and writes it into exp',
    async (ttl) => {
      const assertion = await signChallengeAssertion(keys.privateKey, BINDING, ttl);
      const payload = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as JWTPayload;
      expect(payload.exp! - payload.iat!).toBe(ttl);
      await expect(isValidChallengeAssertion(assertion, keys.publicKey, BINDING)).resolves.toBe(true);
    },
  );

  it('caps the assertion lifetime at 60 s', () => {
    expect(ASSERTION_MAX_TTL_SECONDS).toBe(60);
  });
});

function baseEvent<T extends string>(triggerSource: T) {
  return {
    version: '1',
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_AbCdEf123',
    triggerSource,
    userName: USERNAME,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: CLIENT_ID },
  };
}

const ATTRIBUTES = { sub: USERNAME, email: 'alice@example.com', email_verified: 'true' };

describe('define-auth-challenge', () => {
  const custom = (challengeResult: boolean): CustomChallengeResult => ({
    challengeName: 'CUSTOM_CHALLENGE',
    challengeResult,
    challengeMetadata: 'SIGNED_ASSERTION_V1',
  });
  const other = (challengeName: ChallengeResult['challengeName'], challengeResult: boolean): ChallengeResult => ({
    challengeName,
    challengeResult,
  });

  function defineEvent(
    session: Array<ChallengeResult | CustomChallengeResult>,
    userNotFound?: boolean,
  ): DefineAuthChallengeTriggerEvent {
    return {
      ...baseEvent('DefineAuthChallenge_Authentication'),
      request: { userAttributes: ATTRIBUTES, session, ...(userNotFound === undefined ? {} : { userNotFound }) },
      response: { challengeName: undefined, failAuthentication: false, issueTokens: false },
    };
  }

  it('allows at most 3 attempts', () => {
    expect(MAX_CHALLENGE_ATTEMPTS).toBe(3);
  });

  it.each<[string, Array<ChallengeResult | CustomChallengeResult>]>([
    ['an empty session', []],
    ['one wrong answer', [custom(false)]],
    ['two wrong answers', [custom(false), custom(false)]],
  ])('asks for another CUSTOM_CHALLENGE after %s', async (_what, session) => {
    const { response } = await defineAuthChallenge(defineEvent(session));
    expect(response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });

  it.each<[string, Array<ChallengeResult | CustomChallengeResult>]>([
    ['a first correct answer', [custom(true)]],
    ['a correct answer after one wrong one', [custom(false), custom(true)]],
    ['a correct answer after two wrong ones', [custom(false), custom(false), custom(true)]],
  ])('issues tokens after %s', async (_what, session) => {
    const { response } = await defineAuthChallenge(defineEvent(session));
    expect(response.issueTokens).toBe(true);
    expect(response.failAuthentication).toBe(false);
  });

  it.each<[string, Array<ChallengeResult | CustomChallengeResult>, boolean | undefined]>([
    ['three wrong answers', [custom(false), custom(false), custom(false)], undefined],
    ['four wrong answers', [custom(false), custom(false), custom(false), custom(false)], undefined],
    ['an unknown user (empty session)', [], true],
    ['an unknown user whose last answer is correct', [custom(true)], true],
    ['an SRP_A step, even when the last result is true', [other('SRP_A', true), custom(true)], undefined],
    [
      'a PASSWORD_VERIFIER step, even when the last result is true',
      [other('PASSWORD_VERIFIER', true), custom(true)],
      undefined,
    ],
    ['only a successful PASSWORD_VERIFIER step', [other('PASSWORD_VERIFIER', true)], undefined],
    ['only a successful SRP_A step', [other('SRP_A', true)], undefined],
    ['an ADMIN_NO_SRP_AUTH step', [other('ADMIN_NO_SRP_AUTH', true)], undefined],
  ])('fails the sign-in after %s', async (_what, session, userNotFound) => {
    const { response } = await defineAuthChallenge(defineEvent(session, userNotFound));
    expect(response.issueTokens).toBe(false);
    expect(response.failAuthentication).toBe(true);
  });
});

describe('create-auth-challenge', () => {
  function createEvent(userAttributes: Record<string, string> = ATTRIBUTES): CreateAuthChallengeTriggerEvent {
    return {
      ...baseEvent('CreateAuthChallenge_Authentication'),
      request: { userAttributes, challengeName: 'CUSTOM_CHALLENGE', session: [] },
      response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
    };
  }

  it('issues a nonce of at least 128 bits of base64url, the same in the public and private parameters', async () => {
    const { response } = await createAuthChallenge(createEvent());
    const nonce = response.privateChallengeParameters.nonce!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(nonce, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(response.publicChallengeParameters.nonce).toBe(nonce);
  });

  it('issues a fresh nonce on every call', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i += 1)
      nonces.add((await createAuthChallenge(createEvent())).response.privateChallengeParameters.nonce!);
    expect(nonces.size).toBe(50);
  });

  it('keeps everything private but the nonce out of the public parameters', async () => {
    const { response } = await createAuthChallenge(createEvent());
    const publicValues = Object.values(response.publicChallengeParameters);
    const privateEntries = Object.entries(response.privateChallengeParameters);
    expect(privateEntries.length).toBeGreaterThan(0);
    for (const [name, value] of privateEntries) {
      if (name === 'nonce') continue;
      expect(publicValues.some((publicValue) => publicValue.includes(value))).toBe(false);
    }
  });

  it('produces a challenge whose public parameters alone cannot answer it', async () => {
    const { response } = await createAuthChallenge(createEvent());
    for (const value of Object.values(response.publicChallengeParameters)) {
      const verify = createVerifyAuthChallengeHandler(challengeKeySet([keys.publicKey]));
      const event = verifyEvent(value, response.privateChallengeParameters);
      expect((await verify(event)).response.answerCorrect).toBe(false);
    }
  });

  it.each([
    ['true', 'true'],
    ['false', 'false'],
    ['absent', 'false'],
  ])('tells the app whether the user was created by Corbado (%s → %s)', async (attribute, expected) => {
    const attributes = attribute === 'absent' ? ATTRIBUTES : { ...ATTRIBUTES, 'custom:createdByCorbado': attribute };
    const { response } = await createAuthChallenge(createEvent(attributes));
    expect(response.publicChallengeParameters.createdByCorbado).toBe(expected);
  });
});

function verifyEvent(
  challengeAnswer: string,
  privateChallengeParameters: Record<string, string>,
  changes: { userName?: string; clientId?: string } = {},
): VerifyAuthChallengeResponseTriggerEvent {
  const base = baseEvent('VerifyAuthChallengeResponse_Authentication');
  return {
    ...base,
    userName: changes.userName ?? base.userName,
    callerContext: { ...base.callerContext, clientId: changes.clientId ?? base.callerContext.clientId },
    request: { userAttributes: ATTRIBUTES, privateChallengeParameters, challengeAnswer },
    response: { answerCorrect: false },
  };
}

describe('verify-auth-challenge', () => {
  const verify = createVerifyAuthChallengeHandler(challengeKeySet([keys.publicKey]));

  it('marks a matching assertion correct', async () => {
    const answer = await signChallengeAssertion(keys.privateKey, BINDING);
    expect((await verify(verifyEvent(answer, { nonce: NONCE }))).response.answerCorrect).toBe(true);
  });

  it('marks the answer correct for the full create → sign → verify flow', async () => {
    const created = await createAuthChallenge({
      ...baseEvent('CreateAuthChallenge_Authentication'),
      request: { userAttributes: ATTRIBUTES, challengeName: 'CUSTOM_CHALLENGE', session: [] },
      response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
    });
    const answer = await signChallengeAssertion(keys.privateKey, {
      nonce: created.response.publicChallengeParameters.nonce!,
      username: USERNAME,
      clientId: CLIENT_ID,
    });
    const event = verifyEvent(answer, created.response.privateChallengeParameters);
    expect((await verify(event)).response.answerCorrect).toBe(true);
  });

  it.each<[string, () => Promise<VerifyAuthChallengeResponseTriggerEvent>]>([
    [
      'the nonce of another challenge',
      async () =>
        verifyEvent(await signChallengeAssertion(keys.privateKey, BINDING), {
          nonce: 'other-nonce-000000000000000000000000000000000',
        }),
    ],
    [
      'no nonce in the private parameters',
      async () => verifyEvent(await signChallengeAssertion(keys.privateKey, BINDING), {}),
    ],
    [
      'another user',
      async () =>
        verifyEvent(
          await signChallengeAssertion(keys.privateKey, BINDING),
          { nonce: NONCE },
          { userName: 'someone-else' },
        ),
    ],
    [
      'another app client',
      async () =>
        verifyEvent(
          await signChallengeAssertion(keys.privateKey, BINDING),
          { nonce: NONCE },
          { clientId: 'anotherclient000000000000' },
        ),
    ],
    [
      'another signing key',
      async () => verifyEvent(await signChallengeAssertion(otherKeys.privateKey, BINDING), { nonce: NONCE }),
    ],
    ['the nonce echoed back (the original, forgeable scheme)', async () => verifyEvent(NONCE, { nonce: NONCE })],
    ['an empty answer', async () => verifyEvent('', { nonce: NONCE })],
  ])('marks an answer wrong for %s', async (_what, build) => {
    const event = await build();
    event.response.answerCorrect = true;
    expect((await verify(event)).response.answerCorrect).toBe(false);
  });
});

describe('verify-auth-challenge Lambda entry point', () => {
  const saved = process.env.AUTH_CHALLENGE_PUBLIC_KEY;
  beforeEach(() => {
    vi.resetModules();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.AUTH_CHALLENGE_PUBLIC_KEY;
    else process.env.AUTH_CHALLENGE_PUBLIC_KEY = saved;
  });

  async function freshHandler() {
    return (await import('@/lambdas/verify-auth-challenge')).handler;
  }

  it.each([
    ['a PEM', PUBLIC_PEM],
    ['a PEM with literal \\n escapes', PUBLIC_PEM.trim().replace(/\n/g, '\\n')],
  ])('reads AUTH_CHALLENGE_PUBLIC_KEY given as %s', async (_what, value) => {
    process.env.AUTH_CHALLENGE_PUBLIC_KEY = value;
    const handler = await freshHandler();
    const good = await signChallengeAssertion(keys.privateKey, BINDING);
    const bad = await signChallengeAssertion(otherKeys.privateKey, BINDING);
    expect((await handler(verifyEvent(good, { nonce: NONCE }))).response.answerCorrect).toBe(true);
    expect((await handler(verifyEvent(bad, { nonce: NONCE }))).response.answerCorrect).toBe(false);
  });

  it('throws an error naming AUTH_CHALLENGE_PUBLIC_KEY when it is unset', async () => {
    delete process.env.AUTH_CHALLENGE_PUBLIC_KEY;
    const handler = await freshHandler();
    const answer = await signChallengeAssertion(keys.privateKey, BINDING);
    await expect(handler(verifyEvent(answer, { nonce: NONCE }))).rejects.toThrow(
      /neither AUTH_CHALLENGE_PUBLIC_KEYS nor AUTH_CHALLENGE_PUBLIC_KEY is set/,
    );
  });
});
