import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  CompleteWebAuthnRegistrationCommand,
  CreateUserPoolCommand,
  DeleteWebAuthnCredentialCommand,
  DescribeUserPoolCommand,
  GetUserCommand,
  GetUserPoolMfaConfigCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListWebAuthnCredentialsCommand,
  RespondToAuthChallengeCommand,
  SetUserPoolMfaConfigCommand,
  StartWebAuthnRegistrationCommand,
  UpdateUserPoolCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addClient,
  addNativeUser,
  createNativePool,
  latestCognitoCode,
  passwordTokens,
  registerPasskey,
  secretHashFor,
  type NativePool,
} from '../support/native-pool';
import { newSigningKey, SoftAuthenticator, type Tampering } from '../support/soft-authenticator';
import { restartTestCognito, startTestCognito, type TestCognito } from '../support/stack';

/**
 * Amazon Cognito's own passkeys in the embedded Cognito, over real HTTP with the AWS SDK: pool
 * settings, the four credential calls and USER_AUTH with WEB_AUTHN (and EMAIL_OTP, PASSWORD),
 * every refusal AWS names, and the attacks a relying party must stop. The authenticator is the
 * software one (tests/support/soft-authenticator.ts): its responses are real WebAuthn, signed
 * with a real key, so every check the emulator makes can fail for the right reason.
 */

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'Correct-horse-9';
let stack: TestCognito;
let sdk: CognitoIdentityProviderClient;
let pool: NativePool;
let seq = 0;

beforeAll(async () => {
  stack = await startTestCognito();
  sdk = stack.sdk;
  pool = await createNativePool(sdk);
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  vi.useRealTimers();
  sdk.config.systemClockOffset = 0;
});

/**
 * Moves Date (which the emulator, running in this process, reads) by `ms`, and the SDK's signing
 * clock back by as much, so that requests stay signed at the real time while tokens, sessions and
 * challenges age. Timers and sockets keep running for real.
 */
function advanceDate(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
  sdk.config.systemClockOffset = (sdk.config.systemClockOffset ?? 0) - ms;
}

/** 'ok', or the error's name, so a failure shows what the emulator said instead. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

interface Person {
  email: string;
  username: string;
  accessToken: string;
  authenticator: SoftAuthenticator;
}

/** A user of `on` with a password and (unless told) one registered passkey. */
async function newPerson(on: NativePool = pool, withPasskey = true): Promise<Person> {
  const email = `native${++seq}@example.com`;
  await addNativeUser(sdk, on.userPoolId, email, PASSWORD);
  const tokens = await passwordTokens(sdk, on, email, PASSWORD);
  const authenticator = new SoftAuthenticator(ORIGIN);
  if (withPasskey) await registerPasskey(sdk, tokens.AccessToken!, authenticator);
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: on.userPoolId, Username: email }));
  return { email, username: user.Username!, accessToken: tokens.AccessToken!, authenticator };
}

async function startUserAuth(person: Person, preferred?: string, on: NativePool = pool) {
  return sdk.send(
    new InitiateAuthCommand({
      ClientId: on.clientId,
      AuthFlow: 'USER_AUTH',
      AuthParameters: {
        USERNAME: person.email,
        SECRET_HASH: secretHashFor(on, person.email),
        ...(preferred ? { PREFERRED_CHALLENGE: preferred } : {}),
      },
    }),
  );
}

/** The WEB_AUTHN challenge's session and parsed CREDENTIAL_REQUEST_OPTIONS. */
async function webAuthnChallenge(person: Person, on: NativePool = pool) {
  const started = await startUserAuth(person, 'WEB_AUTHN', on);
  expect(started.ChallengeName).toBe('WEB_AUTHN');
  const options = JSON.parse(
    started.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!,
  ) as PublicKeyCredentialRequestOptionsJSON;
  return { session: started.Session!, options };
}

function answerWebAuthn(person: Person, session: string, credential: object, on: NativePool = pool) {
  return sdk.send(
    new RespondToAuthChallengeCommand({
      ClientId: on.clientId,
      ChallengeName: 'WEB_AUTHN',
      Session: session,
      ChallengeResponses: {
        USERNAME: person.email,
        SECRET_HASH: secretHashFor(on, person.email),
        CREDENTIAL: JSON.stringify(credential),
      },
    }),
  );
}

/** A passkey sign-in with one part of the assertion tampered with: 'tokens' or the error's name. */
async function signInOutcome(person: Person, tampering: Tampering = {}, authenticator = person.authenticator) {
  const { session, options } = await webAuthnChallenge(person);
  const answer = answerWebAuthn(person, session, authenticator.authenticate(options, tampering));
  const result = await outcome(answer);
  if (result !== 'ok') return result;
  return (await answer).AuthenticationResult?.AccessToken ? 'tokens' : 'no tokens';
}

/** StartWebAuthnRegistration then CompleteWebAuthnRegistration with the response tampered with. */
async function registrationOutcome(
  person: Person,
  tampering: Tampering,
  authenticator = new SoftAuthenticator(ORIGIN),
) {
  return outcome(registerPasskey(sdk, person.accessToken, authenticator, tampering));
}

describe('pool settings', () => {
  it('GetUserPoolMfaConfig reports the WebAuthnConfiguration; DescribeUserPool the plan and the sign-in policy', async () => {
    const config = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: pool.userPoolId }));
    expect(config.WebAuthnConfiguration).toEqual({ RelyingPartyId: 'localhost', UserVerification: 'required' });
    const { UserPool } = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId }));
    expect(UserPool?.UserPoolTier).toBe('ESSENTIALS');
    expect(UserPool?.Policies?.SignInPolicy?.AllowedFirstAuthFactors).toEqual(['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']);
  });

  it('UserVerification defaults to preferred when only the RP ID is set', async () => {
    const other = await createNativePool(sdk, { webAuthn: { RelyingPartyId: 'example.com' } });
    const config = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: other.userPoolId }));
    expect(config.WebAuthnConfiguration).toEqual({ RelyingPartyId: 'example.com', UserVerification: 'preferred' });
  });

  it('a pool created without a plan is on Essentials, as AWS creates them', async () => {
    const { UserPool } = await sdk.send(new CreateUserPoolCommand({ PoolName: 'no-plan' }));
    const described = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: UserPool!.Id! }));
    expect(described.UserPool?.UserPoolTier).toBe('ESSENTIALS');
  });

  it('refuses passkeys on the Lite plan: WebAuthnConfiguration, a passwordless sign-in policy, and the calls', async () => {
    const lite = await createNativePool(sdk, { tier: 'LITE', factors: ['PASSWORD'], webAuthn: null });
    expect(
      await outcome(
        sdk.send(
          new SetUserPoolMfaConfigCommand({
            UserPoolId: lite.userPoolId,
            WebAuthnConfiguration: { RelyingPartyId: 'localhost' },
          }),
        ),
      ),
    ).toBe('FeatureUnavailableInTierException');
    expect(
      await outcome(
        sdk.send(
          new UpdateUserPoolCommand({
            UserPoolId: lite.userPoolId,
            Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } },
          }),
        ),
      ),
    ).toBe('FeatureUnavailableInTierException');
    expect(
      await outcome(
        sdk.send(
          new CreateUserPoolCommand({
            PoolName: 'lite-passkeys',
            UserPoolTier: 'LITE',
            Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } },
          }),
        ),
      ),
    ).toBe('FeatureUnavailableInTierException');
    const person = await newPerson(lite, false);
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken })))).toBe(
      'WebAuthnNotEnabledException',
    );
  });

  it('moving a pool with passkeys configured to Lite is refused', async () => {
    const other = await createNativePool(sdk);
    expect(
      await outcome(
        sdk.send(
          new UpdateUserPoolCommand({
            UserPoolId: other.userPoolId,
            UserPoolTier: 'LITE',
            Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD'] } },
          }),
        ),
      ),
    ).toBe('FeatureUnavailableInTierException');
  });

  it('UpdateUserPool keeps the plan and the WebAuthnConfiguration it was not asked to change', async () => {
    const other = await createNativePool(sdk, { tier: 'PLUS' });
    await sdk.send(
      new UpdateUserPoolCommand({
        UserPoolId: other.userPoolId,
        Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } },
      }),
    );
    const { UserPool } = await sdk.send(new DescribeUserPoolCommand({ UserPoolId: other.userPoolId }));
    expect(UserPool?.UserPoolTier).toBe('PLUS');
    expect(UserPool?.Policies?.SignInPolicy?.AllowedFirstAuthFactors).toEqual(['PASSWORD', 'WEB_AUTHN']);
    const config = await sdk.send(new GetUserPoolMfaConfigCommand({ UserPoolId: other.userPoolId }));
    expect(config.WebAuthnConfiguration?.RelyingPartyId).toBe('localhost');
  });

  it.each([
    ['WEB_AUTHN alone', ['WEB_AUTHN']],
    ['an unknown factor', ['PASSWORD', 'MAGIC_LINK']],
    ['no factor', []],
  ])('refuses a sign-in policy with %s', async (_label, factors) => {
    expect(
      await outcome(
        sdk.send(
          new UpdateUserPoolCommand({
            UserPoolId: pool.userPoolId,
            Policies: { SignInPolicy: { AllowedFirstAuthFactors: factors as never } },
          }),
        ),
      ),
    ).toBe('InvalidParameterException');
  });

  it('refuses a UserVerification other than required or preferred', async () => {
    expect(
      await outcome(
        sdk.send(
          new SetUserPoolMfaConfigCommand({
            UserPoolId: pool.userPoolId,
            WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'discouraged' as never },
          }),
        ),
      ),
    ).toBe('InvalidParameterException');
  });

  it('a pool whose sign-in policy leaves out WEB_AUTHN refuses registration: WebAuthnNotEnabledException', async () => {
    const other = await createNativePool(sdk, { factors: ['PASSWORD', 'EMAIL_OTP'] });
    const person = await newPerson(other, false);
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken })))).toBe(
      'WebAuthnNotEnabledException',
    );
  });

  it('a pool with WEB_AUTHN but no relying party ID: WebAuthnConfigurationMissingException', async () => {
    const other = await createNativePool(sdk, { webAuthn: null });
    const person = await newPerson(other, false);
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken })))).toBe(
      'WebAuthnConfigurationMissingException',
    );
  });

  it('a client without ALLOW_USER_AUTH cannot start USER_AUTH', async () => {
    const client = await addClient(sdk, pool.userPoolId, ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    const person = await newPerson(pool, false);
    expect(await outcome(startUserAuth(person, 'PASSWORD', { ...pool, ...client }))).toBe('InvalidParameterException');
  });
});

describe('registration', () => {
  it('StartWebAuthnRegistration gives the options AWS gives: RP, user handle from the sub, ES256/RS256, resident key, UV as configured', async () => {
    const person = await newPerson(pool, false);
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const options = CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON;
    const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: person.email }));
    const sub = user.UserAttributes!.find((attribute) => attribute.Name === 'sub')!.Value!;
    expect(options.rp).toEqual({ id: 'localhost', name: 'localhost' });
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(sub);
    expect(options.user.name).toBe(person.email);
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual([-7, -257]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.excludeCredentials).toEqual([]);
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
  });

  it('CompleteWebAuthnRegistration stores the passkey; ListWebAuthnCredentials shows what AWS shows; the next Start excludes it', async () => {
    const person = await newPerson();
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken }));
    expect(Credentials).toHaveLength(1);
    const listed = Credentials![0]!;
    expect(listed).toMatchObject({
      CredentialId: person.authenticator.id,
      FriendlyCredentialName: 'Passkey',
      RelyingPartyId: 'localhost',
      AuthenticatorAttachment: 'platform',
      AuthenticatorTransports: ['internal', 'hybrid'],
    });
    expect(listed.CreatedAt).toBeInstanceOf(Date);
    expect(Math.abs(listed.CreatedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(listed).sort()).toEqual(
      [
        'AuthenticatorAttachment',
        'AuthenticatorTransports',
        'CreatedAt',
        'CredentialId',
        'FriendlyCredentialName',
        'RelyingPartyId',
      ].sort(),
    );
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const options = CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON;
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual([person.authenticator.id]);
  });

  it('CompleteWebAuthnRegistration without a Start: WebAuthnChallengeNotFoundException', async () => {
    const person = await newPerson(pool, false);
    const credential = new SoftAuthenticator(ORIGIN).register({
      challenge: 'AAAA',
      rp: { id: 'localhost', name: 'localhost' },
      user: { id: 'dXNlcg', name: person.email, displayName: person.email },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    });
    expect(
      await outcome(
        sdk.send(
          new CompleteWebAuthnRegistrationCommand({ AccessToken: person.accessToken, Credential: credential as never }),
        ),
      ),
    ).toBe('WebAuthnChallengeNotFoundException');
  });

  it('a registration response replayed after it was stored: WebAuthnChallengeNotFoundException, still one passkey', async () => {
    const person = await newPerson(pool, false);
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const credential = person.authenticator.register(
      CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
    );
    const complete = () =>
      sdk.send(
        new CompleteWebAuthnRegistrationCommand({ AccessToken: person.accessToken, Credential: credential as never }),
      );
    expect(await outcome(complete())).toBe('ok');
    expect(await outcome(complete())).toBe('WebAuthnChallengeNotFoundException');
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken }));
    expect(Credentials).toHaveLength(1);
  });

  it.each([
    { after: '4 min 59 s', delay: 299_000, expected: 'ok' },
    { after: '5 min 1 s', delay: 301_000, expected: 'WebAuthnChallengeNotFoundException' },
  ])('a registration completed $after after its Start: $expected', async ({ delay, expected }) => {
    const person = await newPerson(pool, false);
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const credential = person.authenticator.register(
      CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
    );
    advanceDate(delay);
    const complete = sdk.send(
      new CompleteWebAuthnRegistrationCommand({ AccessToken: person.accessToken, Credential: credential as never }),
    );
    expect(await outcome(complete)).toBe(expected);
  });

  it('Start with one client, Complete with an access token of another: WebAuthnClientMismatchException', async () => {
    const person = await newPerson(pool, false);
    const other = { ...pool, ...(await addClient(sdk, pool.userPoolId)) };
    const otherTokens = await passwordTokens(sdk, other, person.email, PASSWORD);
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const credential = person.authenticator.register(
      CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
    );
    expect(
      await outcome(
        sdk.send(
          new CompleteWebAuthnRegistrationCommand({
            AccessToken: otherTokens.AccessToken!,
            Credential: credential as never,
          }),
        ),
      ),
    ).toBe('WebAuthnClientMismatchException');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }, 'WebAuthnOriginNotAllowedException'],
    ['an http origin on another host', { origin: 'http://127.0.0.1:3000' }, 'WebAuthnOriginNotAllowedException'],
    ['another RP ID', { rpId: 'evil.example' }, 'WebAuthnRelyingPartyMismatchException'],
    ['another challenge', { challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' }, 'WebAuthnChallengeNotFoundException'],
    [
      'no user verification where the pool requires it',
      { userVerified: false },
      'WebAuthnCredentialNotSupportedException',
    ],
    ['an assertion type instead of a creation', { type: 'webauthn.get' }, 'WebAuthnCredentialNotSupportedException'],
  ])('a registration response with %s is refused: %s', async (_label, tampering, expected) => {
    const person = await newPerson(pool, false);
    expect(await registrationOutcome(person, tampering)).toBe(expected);
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken }));
    expect(Credentials).toEqual([]);
  });

  it('UserVerification preferred: a passkey without UV registers and signs in', async () => {
    const preferred = await createNativePool(sdk, {
      webAuthn: { RelyingPartyId: 'localhost', UserVerification: 'preferred' },
    });
    const person = await newPerson(preferred, false);
    expect(await registrationOutcome(person, { userVerified: false }, person.authenticator)).toBe('ok');
    const { session, options } = await webAuthnChallenge(person, preferred);
    expect(options.userVerification).toBe('preferred');
    const answer = await answerWebAuthn(
      person,
      session,
      person.authenticator.authenticate(options, { userVerified: false }),
      preferred,
    );
    expect(answer.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('an RP ID of example.com takes https://example.com and its subdomains, not http', async () => {
    const onDomain = await createNativePool(sdk, {
      webAuthn: { RelyingPartyId: 'example.com', UserVerification: 'required' },
    });
    const person = await newPerson(onDomain, false);
    expect(
      await registrationOutcome(person, { rpId: 'example.com' }, new SoftAuthenticator('https://login.example.com')),
    ).toBe('ok');
    expect(await registrationOutcome(person, {}, new SoftAuthenticator('https://example.com'))).toBe('ok');
    expect(
      await registrationOutcome(person, { rpId: 'example.com' }, new SoftAuthenticator('http://example.com')),
    ).toBe('WebAuthnOriginNotAllowedException');
    expect(
      await registrationOutcome(person, { rpId: 'example.com' }, new SoftAuthenticator('https://notexample.com')),
    ).toBe('WebAuthnOriginNotAllowedException');
  });

  it('a response naming another credential id than the one attested is refused', async () => {
    const person = await newPerson(pool, false);
    const { CredentialCreationOptions } = await sdk.send(
      new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken }),
    );
    const credential = person.authenticator.register(
      CredentialCreationOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
    );
    const renamed = { ...credential, id: 'c29tZW9uZS1lbHNl', rawId: 'c29tZW9uZS1lbHNl' };
    expect(
      await outcome(
        sdk.send(
          new CompleteWebAuthnRegistrationCommand({ AccessToken: person.accessToken, Credential: renamed as never }),
        ),
      ),
    ).toBe('WebAuthnCredentialNotSupportedException');
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken }));
    expect(Credentials).toEqual([]);
  });

  it('the same passkey cannot be registered twice for a user', async () => {
    const person = await newPerson();
    expect(await registrationOutcome(person, {}, person.authenticator)).toBe('InvalidParameterException');
  });

  it(`a user has at most 20 passkeys: the 21st Start is LimitExceededException`, async () => {
    const person = await newPerson(pool, false);
    for (let i = 0; i < 20; i += 1) await registerPasskey(sdk, person.accessToken, new SoftAuthenticator(ORIGIN));
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken })))).toBe(
      'LimitExceededException',
    );
    const first = await sdk.send(
      new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken, MaxResults: 15 }),
    );
    expect(first.Credentials).toHaveLength(15);
    const second = await sdk.send(
      new ListWebAuthnCredentialsCommand({
        AccessToken: person.accessToken,
        MaxResults: 15,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Credentials).toHaveLength(5);
    expect(second.NextToken).toBeUndefined();
    expect(
      await outcome(sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken, MaxResults: 21 }))),
    ).toBe('InvalidParameterException');
  });
});

describe('the access token of the credential calls', () => {
  it('a revoked access token (GlobalSignOut) is refused by all four calls', async () => {
    const person = await newPerson();
    await sdk.send(new GlobalSignOutCommand({ AccessToken: person.accessToken }));
    const token = { AccessToken: person.accessToken };
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand(token)))).toBe('NotAuthorizedException');
    expect(
      await outcome(sdk.send(new CompleteWebAuthnRegistrationCommand({ ...token, Credential: {} as never }))),
    ).toBe('NotAuthorizedException');
    expect(await outcome(sdk.send(new ListWebAuthnCredentialsCommand(token)))).toBe('NotAuthorizedException');
    expect(
      await outcome(sdk.send(new DeleteWebAuthnCredentialCommand({ ...token, CredentialId: person.authenticator.id }))),
    ).toBe('NotAuthorizedException');
  });

  it('an access token signed by anyone else (same claims, HS256) is refused', async () => {
    const person = await newPerson();
    const claims = decodeJwt(person.accessToken);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await outcome(sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: forged })))).toBe(
      'NotAuthorizedException',
    );
  });

  it('an expired access token is refused', async () => {
    const person = await newPerson(pool, false);
    advanceDate(2 * 3600_000);
    expect(await outcome(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: person.accessToken })))).toBe(
      'NotAuthorizedException',
    );
  });
});

describe('DeleteWebAuthnCredential', () => {
  it('deletes the user own passkey, which then no longer signs in', async () => {
    const person = await newPerson();
    await sdk.send(
      new DeleteWebAuthnCredentialCommand({ AccessToken: person.accessToken, CredentialId: person.authenticator.id }),
    );
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: person.accessToken }));
    expect(Credentials).toEqual([]);
    const started = await startUserAuth(person, 'WEB_AUTHN');
    expect(started.ChallengeName).toBe('SELECT_CHALLENGE');
    expect(started.AvailableChallenges).not.toContain('WEB_AUTHN');
  });

  it("refuses another user's passkey and an unknown id: ResourceNotFoundException, nothing deleted", async () => {
    const owner = await newPerson();
    const other = await newPerson();
    expect(
      await outcome(
        sdk.send(
          new DeleteWebAuthnCredentialCommand({ AccessToken: other.accessToken, CredentialId: owner.authenticator.id }),
        ),
      ),
    ).toBe('ResourceNotFoundException');
    expect(
      await outcome(
        sdk.send(new DeleteWebAuthnCredentialCommand({ AccessToken: other.accessToken, CredentialId: 'bm8tc3VjaA' })),
      ),
    ).toBe('ResourceNotFoundException');
    expect(await signInOutcome(owner)).toBe('tokens');
  });
});

describe('USER_AUTH sign-in', () => {
  it('without a preference: SELECT_CHALLENGE with AvailableChallenges; answering WEB_AUTHN then CREDENTIAL gives tokens', async () => {
    const person = await newPerson();
    const started = await startUserAuth(person);
    expect(started.ChallengeName).toBe('SELECT_CHALLENGE');
    expect(started.AvailableChallenges).toEqual(['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'WEB_AUTHN']);
    const selected = await sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: pool.clientId,
        ChallengeName: 'SELECT_CHALLENGE',
        Session: started.Session,
        ChallengeResponses: {
          USERNAME: person.email,
          ANSWER: 'WEB_AUTHN',
          SECRET_HASH: secretHashFor(pool, person.email),
        },
      }),
    );
    expect(selected.ChallengeName).toBe('WEB_AUTHN');
    const options = JSON.parse(
      selected.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!,
    ) as PublicKeyCredentialRequestOptionsJSON;
    const answer = await answerWebAuthn(person, selected.Session!, person.authenticator.authenticate(options));
    const user = await sdk.send(new GetUserCommand({ AccessToken: answer.AuthenticationResult!.AccessToken! }));
    expect(user.Username).toBe(person.username);
  });

  it('PREFERRED_CHALLENGE=WEB_AUTHN: the WEB_AUTHN challenge at once, its options a JSON string for this RP and passkey', async () => {
    const person = await newPerson();
    const { options } = await webAuthnChallenge(person);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([person.authenticator.id]);
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
    expect(await signInOutcome(person)).toBe('tokens');
  });

  it('the one-step SELECT_CHALLENGE answer: ANSWER=WEB_AUTHN with CREDENTIAL gives tokens', async () => {
    const person = await newPerson();
    const started = await startUserAuth(person);
    const options = JSON.parse(
      started.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!,
    ) as PublicKeyCredentialRequestOptionsJSON;
    const answer = await sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: pool.clientId,
        ChallengeName: 'SELECT_CHALLENGE',
        Session: started.Session,
        ChallengeResponses: {
          USERNAME: person.email,
          ANSWER: 'WEB_AUTHN',
          CREDENTIAL: JSON.stringify(person.authenticator.authenticate(options)),
          SECRET_HASH: secretHashFor(pool, person.email),
        },
      }),
    );
    expect(answer.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('AdminInitiateAuth and AdminRespondToAuthChallenge: a passkey sign-in in exactly two Cognito calls', async () => {
    const person = await newPerson();
    const count = () =>
      (stack.cognito.calls.get('AdminInitiateAuth') ?? 0) +
      (stack.cognito.calls.get('AdminRespondToAuthChallenge') ?? 0);
    const before = count();
    const started = await sdk.send(
      new AdminInitiateAuthCommand({
        UserPoolId: pool.userPoolId,
        ClientId: pool.clientId,
        AuthFlow: 'USER_AUTH',
        AuthParameters: {
          USERNAME: person.email,
          PREFERRED_CHALLENGE: 'WEB_AUTHN',
          SECRET_HASH: secretHashFor(pool, person.email),
        },
      }),
    );
    const options = JSON.parse(
      started.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!,
    ) as PublicKeyCredentialRequestOptionsJSON;
    const answer = await sdk.send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: pool.userPoolId,
        ClientId: pool.clientId,
        ChallengeName: 'WEB_AUTHN',
        Session: started.Session,
        ChallengeResponses: {
          USERNAME: person.email,
          CREDENTIAL: JSON.stringify(person.authenticator.authenticate(options)),
          SECRET_HASH: secretHashFor(pool, person.email),
        },
      }),
    );
    expect(answer.AuthenticationResult?.IdToken).toBeTruthy();
    expect(decodeJwt(answer.AuthenticationResult!.IdToken!).email).toBe(person.email);
    // The floor of a native passkey sign-in: two Cognito calls.
    expect(count() - before).toBe(2);
  });

  it('a preferred challenge the user cannot answer falls back to SELECT_CHALLENGE without it', async () => {
    const person = await newPerson(pool, false);
    const started = await startUserAuth(person, 'WEB_AUTHN');
    expect(started.ChallengeName).toBe('SELECT_CHALLENGE');
    expect(started.AvailableChallenges).toEqual(['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP']);
    expect(started.ChallengeParameters?.CREDENTIAL_REQUEST_OPTIONS).toBeUndefined();
  });

  it('SECRET_HASH is required and checked', async () => {
    const person = await newPerson();
    const start = (hash?: string) =>
      sdk.send(
        new InitiateAuthCommand({
          ClientId: pool.clientId,
          AuthFlow: 'USER_AUTH',
          AuthParameters: {
            USERNAME: person.email,
            PREFERRED_CHALLENGE: 'WEB_AUTHN',
            ...(hash ? { SECRET_HASH: hash } : {}),
          },
        }),
      );
    expect(await outcome(start())).toBe('NotAuthorizedException');
    expect(await outcome(start(secretHashFor({ ...pool, clientSecret: 'wrong' }, person.email)))).toBe(
      'NotAuthorizedException',
    );
  });

  it('an unknown user gets the same refusal as a wrong password (PreventUserExistenceErrors)', async () => {
    const ghost = { email: 'nobody@example.com' } as Person;
    expect(await outcome(startUserAuth(ghost, 'WEB_AUTHN'))).toBe('NotAuthorizedException');
  });

  it('PASSWORD: the right one gives tokens, a wrong one NotAuthorizedException', async () => {
    const person = await newPerson(pool, false);
    expect((await passwordTokens(sdk, pool, person.email, PASSWORD)).AccessToken).toBeTruthy();
    expect(await outcome(passwordTokens(sdk, pool, person.email, 'Wrong-horse-9'))).toBe('NotAuthorizedException');
  });
});

describe('passkey sign-in refusals', () => {
  it('a replayed assertion: the session is single use, and a new session has a new challenge', async () => {
    const person = await newPerson();
    const { session, options } = await webAuthnChallenge(person);
    const assertion = person.authenticator.authenticate(options);
    expect(await outcome(answerWebAuthn(person, session, assertion))).toBe('ok');
    expect(await outcome(answerWebAuthn(person, session, assertion))).toBe('NotAuthorizedException');
    const fresh = await webAuthnChallenge(person);
    expect(await outcome(answerWebAuthn(person, fresh.session, assertion))).toBe('NotAuthorizedException');
  });

  it("user A's passkey answering user B's challenge is refused", async () => {
    const alice = await newPerson();
    const bob = await newPerson();
    expect(await signInOutcome(bob, {}, alice.authenticator)).toBe('NotAuthorizedException');
    expect(await signInOutcome(bob)).toBe('tokens');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['an http origin on another host', { origin: 'http://localhost.evil.example:3000' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['another challenge', { challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' }],
    ['no user verification where the pool requires it', { userVerified: false }],
    ['a creation type instead of an assertion', { type: 'webauthn.create' }],
    ['a signature by another key', { signWith: newSigningKey() }],
  ])('an assertion with %s is refused, and the passkey still works after', async (_label, tampering) => {
    const person = await newPerson();
    expect(await signInOutcome(person, tampering)).toBe('NotAuthorizedException');
    expect(await signInOutcome(person)).toBe('tokens');
  });

  it('a signature counter that goes back is refused (a cloned authenticator)', async () => {
    const person = await newPerson();
    expect(await signInOutcome(person, { counter: 5 })).toBe('tokens');
    expect(await signInOutcome(person, { counter: 5 })).toBe('NotAuthorizedException');
    expect(await signInOutcome(person, { counter: 3 })).toBe('NotAuthorizedException');
    expect(await signInOutcome(person, { counter: 6 })).toBe('tokens');
  });

  it.each([
    { after: '2 min 59 s', delay: 179_000, expected: 'ok' },
    { after: '3 min 1 s', delay: 181_000, expected: 'NotAuthorizedException' },
  ])('a WEB_AUTHN session answered after $after: $expected (sessions last 3 minutes)', async ({ delay, expected }) => {
    const person = await newPerson();
    const { session, options } = await webAuthnChallenge(person);
    advanceDate(delay);
    expect(await outcome(answerWebAuthn(person, session, person.authenticator.authenticate(options)))).toBe(expected);
  });

  it('a session of another client cannot be answered on this one', async () => {
    const person = await newPerson();
    const other = { ...pool, ...(await addClient(sdk, pool.userPoolId)) };
    const { session, options } = await webAuthnChallenge(person);
    expect(await outcome(answerWebAuthn(person, session, person.authenticator.authenticate(options), other))).toBe(
      'NotAuthorizedException',
    );
  });

  it('CREDENTIAL that is not JSON: InvalidParameterException', async () => {
    const person = await newPerson();
    const { session } = await webAuthnChallenge(person);
    const answer = sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: pool.clientId,
        ChallengeName: 'WEB_AUTHN',
        Session: session,
        ChallengeResponses: {
          USERNAME: person.email,
          SECRET_HASH: secretHashFor(pool, person.email),
          CREDENTIAL: '{not json',
        },
      }),
    );
    expect(await outcome(answer)).toBe('InvalidParameterException');
  });
});

describe('EMAIL_OTP', () => {
  async function emailChallenge(person: Person) {
    const started = await startUserAuth(person, 'EMAIL_OTP');
    expect(started.ChallengeName).toBe('EMAIL_OTP');
    return started;
  }
  const answerCode = (person: Person, session: string, code: string) =>
    sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: pool.clientId,
        ChallengeName: 'EMAIL_OTP',
        Session: session,
        ChallengeResponses: {
          USERNAME: person.email,
          EMAIL_OTP_CODE: code,
          SECRET_HASH: secretHashFor(pool, person.email),
        },
      }),
    );

  it('sends an 8-digit code to the local outbox; the code gives tokens and verifies the address', async () => {
    const person = await newPerson(pool, false);
    const started = await emailChallenge(person);
    expect(started.ChallengeParameters).toMatchObject({
      CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL',
      CODE_DELIVERY_DESTINATION: 'n***@e***',
    });
    const code = latestCognitoCode(stack.dataDir, person.email);
    const answer = await answerCode(person, started.Session!, code);
    expect(answer.AuthenticationResult?.AccessToken).toBeTruthy();
    const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: person.email }));
    expect(user.UserAttributes?.find((attribute) => attribute.Name === 'email_verified')?.Value).toBe('true');
    const outbox = readFileSync(path.join(stack.dataDir, 'outbox.jsonl'), 'utf8');
    expect(outbox).toContain(code);
  });

  it('a wrong code: CodeMismatchException, and the session is spent', async () => {
    const person = await newPerson(pool, false);
    const started = await emailChallenge(person);
    const code = latestCognitoCode(stack.dataDir, person.email);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    expect(await outcome(answerCode(person, started.Session!, wrong))).toBe('CodeMismatchException');
    expect(await outcome(answerCode(person, started.Session!, code))).toBe('NotAuthorizedException');
  });
});

describe('persistence', () => {
  it('passkeys and their counters survive a restart of the emulator', async () => {
    const person = await newPerson();
    expect(await signInOutcome(person, { counter: 7 })).toBe('tokens');
    await stack.cognito.close();
    stack = await restartTestCognito(stack);
    sdk = stack.sdk;
    // Tokens name the issuer by its endpoint, which a restart changes: sign in again.
    const { AccessToken } = await passwordTokens(sdk, pool, person.email, PASSWORD);
    const { Credentials } = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken }));
    expect(Credentials?.map((credential) => credential.CredentialId)).toEqual([person.authenticator.id]);
    expect(await signInOutcome(person, { counter: 7 })).toBe('NotAuthorizedException');
    expect(await signInOutcome(person, { counter: 8 })).toBe('tokens');
  });
});
