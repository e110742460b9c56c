import { createHmac, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import {
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ASSERTION_ISSUER, ASSERTION_TYPE, signChallengeAssertion } from '../../lib/cognito/challenge/assertion';
import { startTestCognito, applyAppEnvironment, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The hole this project closes: in the widely copied original, anyone holding the app client's
 * id and secret (so able to compute SECRET_HASH) could answer the CUSTOM_CHALLENGE with what the
 * challenge itself disclosed and get tokens for any user. Here the attacker has everything
 * except the app's private signing key, and talks to the emulator over real HTTP with the AWS SDK.
 */

interface Client {
  id: string;
  secret: string;
}
type Api = 'InitiateAuth' | 'AdminInitiateAuth';
interface Challenge {
  session: string;
  params: Record<string, string>;
  /** The internal Cognito username, as ChallengeParameters.USERNAME gives it. */
  username: string;
}

const victim = 'victim@example.com';
const mallory = 'mallory@example.com';
let stack: TestCognito;
let appClient: Client;
let otherClient: Client;
let appKey: KeyObject;
let victimUsername: string;
let malloryUsername: string;

beforeAll(async () => {
  stack = await startTestCognito();
  applyAppEnvironment(stack.env);
  appClient = { id: stack.cognito.clientId, secret: stack.cognito.clientSecret };
  appKey = createPrivateKey(stack.env.AUTH_CHALLENGE_PRIVATE_KEY!);
  const { provisionPasswordlessUser } = await import('../../lib/cognito/users');
  await provisionPasswordlessUser(victim);
  await addPasswordUser(stack, mallory, 'Mallory-pass-1');
  victimUsername = await internalUsername(victim);
  malloryUsername = await internalUsername(mallory);
  otherClient = await createClient('second-app');
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

async function internalUsername(email: string): Promise<string> {
  const user = await stack.sdk.send(new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: email }));
  return user.Username!;
}

async function createClient(name: string): Promise<Client> {
  const { UserPoolClient } = await stack.sdk.send(
    new CreateUserPoolClientCommand({
      UserPoolId: stack.cognito.userPoolId,
      ClientName: name,
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
    }),
  );
  return { id: UserPoolClient!.ClientId!, secret: UserPoolClient!.ClientSecret! };
}

const secretHash = (client: Client, username: string) =>
  createHmac('sha256', client.secret)
    .update(username + client.id)
    .digest('base64');

async function outcomeOf(call: Promise<{ AuthenticationResult?: AuthenticationResultType; ChallengeName?: string }>) {
  try {
    const result = await call;
    return result.AuthenticationResult?.IdToken ? 'tokens' : (result.ChallengeName ?? 'nothing');
  } catch (error) {
    return (error as Error).name;
  }
}

/** Starts CUSTOM_AUTH for `email` the way the attacker can: client id + SECRET_HASH. */
async function startChallenge(api: Api, email = victim, client = appClient): Promise<Challenge> {
  const request = {
    ClientId: client.id,
    AuthFlow: 'CUSTOM_AUTH' as const,
    AuthParameters: { USERNAME: email, SECRET_HASH: secretHash(client, email) },
  };
  const result =
    api === 'InitiateAuth'
      ? await stack.sdk.send(new InitiateAuthCommand(request))
      : await stack.sdk.send(new AdminInitiateAuthCommand({ ...request, UserPoolId: stack.cognito.userPoolId }));
  expect(result.ChallengeName).toBe('CUSTOM_CHALLENGE');
  return {
    session: result.Session!,
    params: result.ChallengeParameters!,
    username: result.ChallengeParameters!.USERNAME!,
  };
}

/** RespondToAuthChallenge / AdminRespondToAuthChallenge, with a correct SECRET_HASH. */
function respond(api: Api, challenge: Pick<Challenge, 'session' | 'username'>, answer: string, client = appClient) {
  const request = {
    ClientId: client.id,
    ChallengeName: 'CUSTOM_CHALLENGE' as const,
    Session: challenge.session,
    ChallengeResponses: {
      USERNAME: challenge.username,
      ANSWER: answer,
      SECRET_HASH: secretHash(client, challenge.username),
    },
  };
  return api === 'InitiateAuth'
    ? stack.sdk.send(new RespondToAuthChallengeCommand(request))
    : stack.sdk.send(new AdminRespondToAuthChallengeCommand({ ...request, UserPoolId: stack.cognito.userPoolId }));
}

const answerOutcome = (api: Api, challenge: Challenge, answer: string, client = appClient) =>
  outcomeOf(respond(api, challenge, answer, client));

/** The answer the app itself would give (its private key, this nonce, user and client). */
const validAssertion = (challenge: Challenge, client = appClient) =>
  signChallengeAssertion(appKey, { nonce: challenge.params.nonce!, username: challenge.username, clientId: client.id });

interface Claims {
  nonce: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
}
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The right claims for this challenge on the app client, with `changes` applied. */
function claimsFor(challenge: Challenge, changes: Partial<Claims> = {}): Claims {
  const iat = nowSeconds();
  return { nonce: challenge.params.nonce!, sub: challenge.username, aud: appClient.id, iat, exp: iat + 30, ...changes };
}

/** An assertion crafted by hand, so that exactly one thing about it can be wrong. */
function craft(key: KeyObject, { nonce, sub, aud, iat, exp }: Claims): Promise<string> {
  return new SignJWT({ nonce })
    .setProtectedHeader({ alg: 'ES256', typ: ASSERTION_TYPE })
    .setIssuer(ASSERTION_ISSUER)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
}

function unsigned({ nonce, sub, aud, iat, exp }: Claims): string {
  return new UnsecuredJWT({ nonce })
    .setIssuer(ASSERTION_ISSUER)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .encode();
}

const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const apis: Api[] = ['InitiateAuth', 'AdminInitiateAuth'];
const respondApi = (api: Api) => api.replace('Initiate', 'RespondTo').replace('Auth', 'AuthChallenge');

type Forgery = (challenge: Challenge, api: Api) => string | Promise<string>;
const forgeries: [string, Forgery][] = [
  ['the public nonce (the original integration echoed its public parameter)', (c) => c.params.nonce!],
  ['the public createdByCorbado value', (c) => c.params.createdByCorbado!],
  ['the public USERNAME', (c) => c.params.USERNAME!],
  ['an empty string', () => ''],
  ["'true'", () => 'true'],
  ['an unsigned JWT (alg none) with the right claims', (c) => unsigned(claimsFor(c))],
  ['an assertion with the right claims signed by another ES256 key', (c) => craft(strangerKey, claimsFor(c))],
  ['an app-signed assertion for another user', (c) => craft(appKey, claimsFor(c, { sub: malloryUsername }))],
  ['an app-signed assertion for another app client', (c) => craft(appKey, claimsFor(c, { aud: otherClient.id }))],
  [
    'an app-signed assertion for another nonce',
    (c) => craft(appKey, claimsFor(c, { nonce: randomBytes(32).toString('base64url') })),
  ],
  [
    'an app-signed assertion that expired 1 s ago',
    (c) => craft(appKey, claimsFor(c, { iat: nowSeconds() - 61, exp: nowSeconds() - 1 })),
  ],
  ['an app-signed assertion with a 61 s lifetime', (c) => craft(appKey, claimsFor(c, { exp: nowSeconds() + 61 }))],
  [
    'an app-signed assertion issued in the future',
    (c) => craft(appKey, claimsFor(c, { iat: nowSeconds() + 30, exp: nowSeconds() + 60 })),
  ],
  [
    'an app-signed assertion replayed from an earlier, completed challenge',
    async (_c, api) => {
      const earlier = await startChallenge(api);
      const used = await validAssertion(earlier);
      expect(await answerOutcome(api, earlier, used)).toBe('tokens');
      return used;
    },
  ],
];

describe('control: the real app path and the correct answer do get tokens (so the attack tests cannot pass vacuously)', () => {
  it('startCustomAuthSession signs the victim in with Cognito tokens for the victim', async () => {
    const { startCustomAuthSession } = await import('../../lib/cognito/custom-auth');
    const result = await startCustomAuthSession(victim);
    expect(result.outcome).toBe('signed_in');
    if (result.outcome !== 'signed_in') return;
    expect(decodeJwt(result.tokens.idToken)).toMatchObject({ email: victim, 'cognito:username': victimUsername });
    expect(result.tokens.refreshToken).toBeTruthy();
  });

  it.each(apis)('%s: the hand-crafting helper with nothing wrong yields an answer that gets tokens', async (api) => {
    const challenge = await startChallenge(api);
    expect(await answerOutcome(api, challenge, await craft(appKey, claimsFor(challenge)))).toBe('tokens');
  });
});

describe.each(apis)('a leaked app client secret alone is not enough to obtain tokens for a victim via %s', (api) => {
  it.each(forgeries)(
    `answering ${respondApi(api)} with %s gives no tokens, only the next attempt`,
    async (_name, forge) => {
      const challenge = await startChallenge(api);
      const answer = await forge(challenge, api);
      expect(await answerOutcome(api, challenge, answer)).toBe('CUSTOM_CHALLENGE');
    },
  );

  it('three wrong answers fail the sign-in with NotAuthorizedException, and no further challenge is given', async () => {
    const first = await startChallenge(api);
    const sessions = [first];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const next = await respond(api, sessions.at(-1)!, 'true');
      expect(next.AuthenticationResult).toBeUndefined();
      expect(next.ChallengeName).toBe('CUSTOM_CHALLENGE');
      sessions.push({ ...first, session: next.Session!, params: next.ChallengeParameters! });
    }
    expect(await answerOutcome(api, sessions.at(-1)!, 'true')).toBe('NotAuthorizedException');
    // Not even the correct answer revives any session of the failed sign-in.
    for (const session of sessions) {
      expect(await answerOutcome(api, session, await validAssertion(session))).toBe('NotAuthorizedException');
    }
  });

  it('control: two wrong answers still leave the third attempt open to the correct answer', async () => {
    let challenge = await startChallenge(api);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const next = await respond(api, challenge, '');
      challenge = { ...challenge, session: next.Session!, params: next.ChallengeParameters! };
    }
    expect(await answerOutcome(api, challenge, await validAssertion(challenge))).toBe('tokens');
  });

  it('a challenge Session is single-use: after a correct answer, the same Session with a correct answer gets nothing', async () => {
    const challenge = await startChallenge(api);
    expect(await answerOutcome(api, challenge, await validAssertion(challenge))).toBe('tokens');
    expect(await answerOutcome(api, challenge, await validAssertion(challenge))).toBe('NotAuthorizedException');
  });

  it('a challenge Session is single-use: after a wrong answer, the old Session with a correct answer gets nothing', async () => {
    const challenge = await startChallenge(api);
    expect(await answerOutcome(api, challenge, 'wrong')).toBe('CUSTOM_CHALLENGE');
    expect(await answerOutcome(api, challenge, await validAssertion(challenge))).toBe('NotAuthorizedException');
  });

  it.each([
    { after: '2 min 59 s', delay: 179_000, expected: 'tokens' },
    { after: '3 min 1 s', delay: 181_000, expected: 'NotAuthorizedException' },
  ])(
    'a challenge Session answered correctly after $after gives $expected (sessions expire after 3 minutes)',
    async ({ delay, expected }) => {
      // Only Date is faked: the emulator runs in this process, so its Date.now moves with ours,
      // while the timers and sockets the HTTP calls need keep running for real.
      vi.useFakeTimers({ toFake: ['Date'] });
      const challenge = await startChallenge(api);
      vi.setSystemTime(Date.now() + delay);
      expect(await answerOutcome(api, challenge, await validAssertion(challenge))).toBe(expected);
    },
  );

  it.each([
    ['an assertion for the answering client', () => otherClient],
    ['an assertion for the client that started it', () => appClient],
  ])('a Session started on one app client cannot be answered on another, even with %s', async (_label, audience) => {
    const challenge = await startChallenge(api);
    const answer = await validAssertion(challenge, audience());
    expect(await answerOutcome(api, challenge, answer, otherClient)).toBe('NotAuthorizedException');
  });

  it('control: the second app client completes its own CUSTOM_AUTH with its own correct answer', async () => {
    const challenge = await startChallenge(api, victim, otherClient);
    expect(await answerOutcome(api, challenge, await validAssertion(challenge, otherClient), otherClient)).toBe(
      'tokens',
    );
  });
});
