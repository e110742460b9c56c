import { createHash, randomBytes } from 'node:crypto';
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import {
  CognitoError,
  InvalidParameterError,
  NotAuthorizedError,
  ResourceNotFoundError,
} from 'cognito-local/lib/errors';
import type { Services } from 'cognito-local/lib/services';
import type { Context } from 'cognito-local/lib/services/context';
import {
  attributeValue,
  type User,
  type UserPool,
  type UserPoolService,
} from 'cognito-local/lib/services/userPoolService';
import { providerName } from '../lib/layers/passkey-names';
import type { TokenIssuer } from './token-issuer';

/**
 * Amazon Cognito's own passkeys (November 2024), which cognito-local does not have: the pool's
 * feature plan (UserPoolTier) and sign-in policy, its WebAuthnConfiguration
 * (SetUserPoolMfaConfig / GetUserPoolMfaConfig), and the four credential calls
 * (StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
 * DeleteWebAuthnCredential) with the user's access token. The WEB_AUTHN challenge of the
 * USER_AUTH flow (auth-flows.ts) asks this class for its options and its verification.
 *
 * Every response is verified for real by @simplewebauthn/server: the challenge, the origin, the
 * RP ID hash, the signature, user verification as the pool requires, the signature counter.
 * Where AWS documents an exception name, that name is thrown; README.md lists what AWS leaves
 * unsaid and what was chosen here.
 */

export type UserPoolTier = 'LITE' | 'ESSENTIALS' | 'PLUS';
export interface WebAuthnConfiguration {
  RelyingPartyId?: string;
  UserVerification?: 'required' | 'preferred';
}
/** The pool options this module adds to cognito-local's (kept in the same pool file). */
export type NativePoolOptions = UserPool & {
  UserPoolTier?: UserPoolTier;
  WebAuthnConfiguration?: WebAuthnConfiguration;
  Policies?: UserPool['Policies'] & { SignInPolicy?: { AllowedFirstAuthFactors?: string[] } };
};

/** A passkey as the emulator keeps it, inside the user's record (like its password). */
export interface StoredWebAuthnCredential {
  CredentialId: string;
  /** COSE public key, base64url. */
  PublicKey: string;
  Counter: number;
  FriendlyCredentialName: string;
  RelyingPartyId: string;
  AuthenticatorAttachment?: string;
  AuthenticatorTransports: string[];
  CreatedAt: string;
}
type PasskeyUser = User & { WebAuthnCredentials?: StoredWebAuthnCredential[] };

/** AWS's default plan for a pool created without UserPoolTier (since November 2024). */
export const DEFAULT_TIER: UserPoolTier = 'ESSENTIALS';
export const FIRST_AUTH_FACTORS = ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'];
/** Cognito's limit of passkeys per user. */
export const MAX_PASSKEYS_PER_USER = 20;
/** How long a registration challenge waits for CompleteWebAuthnRegistration (and the options' timeout). */
export const REGISTRATION_TTL_MS = 5 * 60_000;
const ES256 = -7;
const RS256 = -257;

export class AwsError extends CognitoError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

const notEnabled = () =>
  new AwsError('WebAuthnNotEnabledException', 'Passkey authentication is not enabled for this user pool.');

export const tierOf = (options: NativePoolOptions): UserPoolTier => options.UserPoolTier ?? DEFAULT_TIER;

/** The first factors the pool allows: its sign-in policy, or PASSWORD alone (AWS's default). */
export function firstAuthFactors(options: NativePoolOptions): string[] {
  return options.Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD'];
}

/** The pool's RP ID and UV rule, or the exception AWS names when passkeys cannot be used. */
export function webAuthnSettings(options: NativePoolOptions): {
  rpId: string;
  userVerification: 'required' | 'preferred';
} {
  if (tierOf(options) === 'LITE' || !firstAuthFactors(options).includes('WEB_AUTHN')) throw notEnabled();
  const rpId = options.WebAuthnConfiguration?.RelyingPartyId;
  if (!rpId) {
    throw new AwsError(
      'WebAuthnConfigurationMissingException',
      'The user pool has no relying party ID configured for passkeys (WebAuthnConfiguration.RelyingPartyId).',
    );
  }
  return { rpId, userVerification: options.WebAuthnConfiguration?.UserVerification ?? 'preferred' };
}

/**
 * The origins a response may come from for `rpId`: https on the RP ID or any subdomain of it
 * (WebAuthn's own rule for which origins may use an RP ID), any port; and, only when the RP ID
 * is `localhost`, http://localhost on any port, which browsers treat as a secure context.
 */
export function originAllowed(origin: string, rpId: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  const host = url.hostname;
  const onRpId = host === rpId || host.endsWith(`.${rpId}`);
  if (url.protocol === 'https:') return onRpId;
  return url.protocol === 'http:' && rpId === 'localhost' && host === 'localhost';
}

/** The parts of a response that decide which AWS exception a failure is: checked before the library runs. */
function clientDataOf(clientDataJSON: unknown): { origin?: unknown; challenge?: unknown; type?: unknown } {
  if (typeof clientDataJSON !== 'string')
    throw new InvalidParameterError('Credential response clientDataJSON is missing.');
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    // Falls through to the refusal below.
  }
  throw new InvalidParameterError('Credential response clientDataJSON is not valid JSON.');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Whether authenticatorData (as bytes) starts with the hash of `rpId`. */
function rpIdHashMatches(authData: Buffer, rpId: string): boolean {
  return authData.length >= 32 && authData.subarray(0, 32).equals(sha256(rpId));
}

/** authData of a registration response's attestation object, or null if it does not decode. */
function authDataOfAttestation(attestationObject: unknown): Buffer | null {
  if (typeof attestationObject !== 'string') return null;
  try {
    const authData = decodeAttestationObject(Buffer.from(attestationObject, 'base64url')).get('authData');
    return authData instanceof Uint8Array ? Buffer.from(authData) : null;
  } catch {
    return null;
  }
}

interface PendingRegistration {
  challenge: string;
  clientId: string;
  expiresAt: number;
}

/** What a credential call's access token says: verified already by pool-rules.ts. */
interface Caller {
  pool: UserPoolService;
  user: PasskeyUser;
  clientId: string;
}

type Request = {
  AccessToken?: string;
  Credential?: unknown;
  CredentialId?: string;
  MaxResults?: number;
  NextToken?: string;
  UserPoolId?: string;
  MfaConfiguration?: string;
  WebAuthnConfiguration?: WebAuthnConfiguration;
  UserPoolTier?: string;
  Policies?: NativePoolOptions['Policies'];
};
type Target = (ctx: Context, req: Request) => Promise<object>;

export class NativePasskeys {
  /** One pending registration per user (pool and username): a newer Start replaces it. */
  private readonly pending = new Map<string, PendingRegistration>();

  constructor(
    private readonly services: Services,
    private readonly issuer: TokenIssuer,
  ) {}

  targets(base: (target: string) => Target): Record<string, Target> {
    return {
      StartWebAuthnRegistration: (ctx, req) => this.startRegistration(ctx, req),
      CompleteWebAuthnRegistration: (ctx, req) => this.completeRegistration(ctx, req),
      ListWebAuthnCredentials: (ctx, req) => this.listCredentials(ctx, req),
      DeleteWebAuthnCredential: (ctx, req) => this.deleteCredential(ctx, req),
      SetUserPoolMfaConfig: (ctx, req) => this.setMfaConfig(ctx, req, base('SetUserPoolMfaConfig')),
      GetUserPoolMfaConfig: (ctx, req) => this.getMfaConfig(ctx, req, base('GetUserPoolMfaConfig')),
      CreateUserPool: (ctx, req) => this.createUserPool(ctx, req, base('CreateUserPool')),
      UpdateUserPool: (ctx, req) => this.updateUserPool(ctx, req, base('UpdateUserPool')),
      DescribeUserPool: (ctx, req) => this.describeUserPool(ctx, req, base('DescribeUserPool')),
    };
  }

  // ---- pool settings ----------------------------------------------------------------------

  /** The sign-in policy and plan AWS accepts: valid factors, no passkey-only policy, nothing beyond PASSWORD on Lite. */
  private checkPoolSettings(tier: string | undefined, policies: Request['Policies']): UserPoolTier | undefined {
    if (tier !== undefined && !['LITE', 'ESSENTIALS', 'PLUS'].includes(tier)) {
      throw new InvalidParameterError(
        `1 validation error detected: Value '${tier}' at 'userPoolTier' failed to satisfy constraint: Member must satisfy enum value set: [LITE, ESSENTIALS, PLUS]`,
      );
    }
    const factors = policies?.SignInPolicy?.AllowedFirstAuthFactors;
    if (factors !== undefined) {
      if (!Array.isArray(factors) || factors.length < 1 || factors.length > 4) {
        throw new InvalidParameterError('AllowedFirstAuthFactors must have between 1 and 4 items.');
      }
      const unknown = factors.find((factor) => !FIRST_AUTH_FACTORS.includes(factor));
      if (unknown !== undefined) throw new InvalidParameterError(`${unknown} is not a valid first auth factor.`);
      if (factors.length === 1 && factors[0] === 'WEB_AUTHN') {
        throw new InvalidParameterError('WEB_AUTHN must be accompanied by at least one other first auth factor.');
      }
      if (tier === 'LITE' && factors.some((factor) => factor !== 'PASSWORD')) {
        throw new AwsError(
          'FeatureUnavailableInTierException',
          'The following features need to be disabled for the LITE pricing tier configured: Choice-based authentication',
        );
      }
    }
    return tier as UserPoolTier | undefined;
  }

  private async createUserPool(ctx: Context, req: Request, base: Target): Promise<object> {
    const tier = this.checkPoolSettings(req.UserPoolTier ?? DEFAULT_TIER, req.Policies) ?? DEFAULT_TIER;
    const created = (await base(ctx, req)) as { UserPool: { Id: string } };
    const pool = await this.services.cognito.getUserPool(ctx, created.UserPool.Id);
    await pool.updateOptions(ctx, { ...pool.options, UserPoolTier: tier } as NativePoolOptions);
    return { UserPool: { ...created.UserPool, UserPoolTier: tier } };
  }

  private async updateUserPool(ctx: Context, req: Request, base: Target): Promise<object> {
    const pool = await this.services.cognito.getUserPool(ctx, req.UserPoolId ?? '');
    const current = pool.options as NativePoolOptions;
    const tier = req.UserPoolTier ?? tierOf(current);
    this.checkPoolSettings(tier, req.Policies);
    if (tier === 'LITE' && current.WebAuthnConfiguration?.RelyingPartyId) {
      throw new AwsError(
        'FeatureUnavailableInTierException',
        'The following features need to be disabled for the LITE pricing tier configured: Passkeys',
      );
    }
    await base(ctx, req);
    const updated = await this.services.cognito.getUserPool(ctx, pool.options.Id);
    await updated.updateOptions(ctx, {
      ...updated.options,
      UserPoolTier: tier as UserPoolTier,
      WebAuthnConfiguration: current.WebAuthnConfiguration,
    } as NativePoolOptions);
    return {};
  }

  private async describeUserPool(ctx: Context, req: Request, base: Target): Promise<object> {
    const described = (await base(ctx, req)) as { UserPool: object };
    const pool = await this.services.cognito.getUserPool(ctx, req.UserPoolId ?? '');
    return { UserPool: { ...described.UserPool, UserPoolTier: tierOf(pool.options as NativePoolOptions) } };
  }

  private async setMfaConfig(ctx: Context, req: Request, base: Target): Promise<object> {
    const pool = await this.services.cognito.getUserPool(ctx, req.UserPoolId ?? '');
    const options = pool.options as NativePoolOptions;
    const config = req.WebAuthnConfiguration;
    if (config !== undefined) {
      if (tierOf(options) === 'LITE') {
        throw new AwsError(
          'FeatureUnavailableInTierException',
          'The following features need to be disabled for the LITE pricing tier configured: Passkeys',
        );
      }
      const rpId = config.RelyingPartyId;
      if (rpId !== undefined && (typeof rpId !== 'string' || rpId.length < 1 || rpId.length > 127)) {
        throw new InvalidParameterError('RelyingPartyId must be between 1 and 127 characters.');
      }
      if (config.UserVerification !== undefined && !['required', 'preferred'].includes(config.UserVerification)) {
        throw new InvalidParameterError(
          `1 validation error detected: Value '${String(config.UserVerification)}' at 'webAuthnConfiguration.userVerification' failed to satisfy constraint: Member must satisfy enum value set: [required, preferred]`,
        );
      }
    }
    const answer = (await base(ctx, req)) as object;
    const updated = await this.services.cognito.getUserPool(ctx, pool.options.Id);
    const webAuthn = config
      ? { RelyingPartyId: config.RelyingPartyId, UserVerification: config.UserVerification ?? 'preferred' }
      : (updated.options as NativePoolOptions).WebAuthnConfiguration;
    await updated.updateOptions(ctx, { ...updated.options, WebAuthnConfiguration: webAuthn } as NativePoolOptions);
    return { ...answer, ...(webAuthn ? { WebAuthnConfiguration: webAuthn } : {}) };
  }

  private async getMfaConfig(ctx: Context, req: Request, base: Target): Promise<object> {
    const answer = (await base(ctx, req)) as object;
    const pool = await this.services.cognito.getUserPool(ctx, req.UserPoolId ?? '');
    const webAuthn = (pool.options as NativePoolOptions).WebAuthnConfiguration;
    return { ...answer, ...(webAuthn ? { WebAuthnConfiguration: webAuthn } : {}) };
  }

  // ---- the four credential calls -----------------------------------------------------------

  /** The user and client behind an access token that pool-rules.ts has verified (signature, expiry, revocation). */
  private async caller(ctx: Context, req: Request): Promise<Caller> {
    if (typeof req.AccessToken !== 'string') throw new InvalidParameterError('Missing required parameter AccessToken');
    const poolId = this.poolIdOf(req.AccessToken);
    const claims = await this.issuer.verifyAccessToken(req.AccessToken, poolId);
    if (!claims || typeof claims.username !== 'string' || typeof claims.client_id !== 'string') {
      throw new NotAuthorizedError('Invalid Access Token');
    }
    const pool = await this.services.cognito.getUserPool(ctx, poolId);
    const user = (await pool.getUserByUsername(ctx, claims.username)) as PasskeyUser | null;
    if (!user) throw new NotAuthorizedError('User does not exist.');
    if (!user.Enabled) throw new NotAuthorizedError('User is disabled.');
    return { pool, user, clientId: claims.client_id };
  }

  private poolIdOf(token: string): string {
    try {
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        iss?: unknown;
      };
      return (
        String(payload.iss ?? '')
          .split('/')
          .pop() ?? ''
      );
    } catch {
      throw new NotAuthorizedError('Invalid Access Token');
    }
  }

  private key(pool: UserPoolService, user: User): string {
    return `${pool.options.Id}/${user.Username}`;
  }

  private async startRegistration(ctx: Context, req: Request): Promise<object> {
    const { pool, user, clientId } = await this.caller(ctx, req);
    const { rpId, userVerification } = webAuthnSettings(pool.options as NativePoolOptions);
    const existing = user.WebAuthnCredentials ?? [];
    if (existing.length >= MAX_PASSKEYS_PER_USER) {
      throw new AwsError('LimitExceededException', `A user can have at most ${MAX_PASSKEYS_PER_USER} passkeys.`);
    }
    const challenge = randomBytes(32).toString('base64url');
    this.pending.set(this.key(pool, user), { challenge, clientId, expiresAt: Date.now() + REGISTRATION_TTL_MS });
    const sub = attributeValue('sub', user.Attributes) ?? user.Username;
    const name = attributeValue('email', user.Attributes) ?? user.Username;
    return {
      CredentialCreationOptions: {
        challenge,
        rp: { id: rpId, name: rpId },
        user: { id: Buffer.from(sub).toString('base64url'), name, displayName: name },
        pubKeyCredParams: [
          { type: 'public-key', alg: ES256 },
          { type: 'public-key', alg: RS256 },
        ],
        timeout: REGISTRATION_TTL_MS,
        excludeCredentials: existing.map((credential) => ({
          type: 'public-key',
          id: credential.CredentialId,
          transports: credential.AuthenticatorTransports,
        })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification },
        attestation: 'none',
      },
    };
  }

  private async completeRegistration(ctx: Context, req: Request): Promise<object> {
    const { pool, user, clientId } = await this.caller(ctx, req);
    const { rpId, userVerification } = webAuthnSettings(pool.options as NativePoolOptions);
    const credential = req.Credential as RegistrationResponseJSON | undefined;
    if (!credential || typeof credential !== 'object' || typeof credential.id !== 'string' || !credential.response) {
      throw new InvalidParameterError('Credential must be a RegistrationResponseJSON object.');
    }
    const key = this.key(pool, user);
    const pending = this.pending.get(key);
    if (!pending || pending.expiresAt < Date.now()) {
      this.pending.delete(key);
      throw new AwsError(
        'WebAuthnChallengeNotFoundException',
        'The registration challenge was not found or has expired.',
      );
    }
    if (pending.clientId !== clientId) {
      throw new AwsError(
        'WebAuthnClientMismatchException',
        'The access token was issued to a different app client than the one that started the registration.',
      );
    }
    const clientData = clientDataOf(credential.response.clientDataJSON);
    if (clientData.challenge !== pending.challenge) {
      throw new AwsError(
        'WebAuthnChallengeNotFoundException',
        'The registration challenge was not found or has expired.',
      );
    }
    // The challenge is spent from here on, whatever the outcome.
    this.pending.delete(key);
    const origin = String(clientData.origin);
    if (!originAllowed(origin, rpId)) {
      throw new AwsError(
        'WebAuthnOriginNotAllowedException',
        `The origin ${origin} is not allowed for the relying party ${rpId}.`,
      );
    }
    const authData = authDataOfAttestation(credential.response.attestationObject);
    if (!authData) throw new InvalidParameterError('Credential response attestationObject is not valid.');
    if (!rpIdHashMatches(authData, rpId)) {
      throw new AwsError(
        'WebAuthnRelyingPartyMismatchException',
        `The passkey was created for a different relying party than ${rpId}.`,
      );
    }
    const existing = user.WebAuthnCredentials ?? [];
    if (existing.length >= MAX_PASSKEYS_PER_USER) {
      throw new AwsError('LimitExceededException', `A user can have at most ${MAX_PASSKEYS_PER_USER} passkeys.`);
    }
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: credential,
        expectedChallenge: pending.challenge,
        expectedOrigin: origin,
        expectedRPID: rpId,
        requireUserVerification: userVerification === 'required',
        supportedAlgorithmIDs: [ES256, RS256],
      });
    } catch (error) {
      throw new AwsError(
        'WebAuthnCredentialNotSupportedException',
        `The passkey could not be verified: ${(error as Error).message}`,
      );
    }
    if (!verified.verified || !verified.registrationInfo) {
      throw new AwsError('WebAuthnCredentialNotSupportedException', 'The passkey could not be verified.');
    }
    const info = verified.registrationInfo;
    // The id the response names must be the one the authenticator attested (the library does not compare them).
    if (info.credential.id !== credential.id) {
      throw new AwsError(
        'WebAuthnCredentialNotSupportedException',
        'The credential id does not match the attested credential.',
      );
    }
    if (existing.some((stored) => stored.CredentialId === info.credential.id)) {
      throw new InvalidParameterError('This passkey is already registered for the user.');
    }
    const stored: StoredWebAuthnCredential = {
      CredentialId: info.credential.id,
      PublicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      Counter: info.credential.counter,
      FriendlyCredentialName: providerName(info.aaguid) ?? 'Passkey',
      RelyingPartyId: rpId,
      AuthenticatorAttachment:
        typeof credential.authenticatorAttachment === 'string' ? credential.authenticatorAttachment : undefined,
      AuthenticatorTransports: (credential.response.transports ?? []).filter(
        (transport) => typeof transport === 'string',
      ),
      CreatedAt: new Date().toISOString(),
    };
    await pool.saveUser(ctx, { ...user, WebAuthnCredentials: [...existing, stored] } as PasskeyUser);
    return {};
  }

  private async listCredentials(ctx: Context, req: Request): Promise<object> {
    const { user } = await this.caller(ctx, req);
    const max = req.MaxResults ?? MAX_PASSKEYS_PER_USER;
    if (!Number.isInteger(max) || max < 1 || max > 20) {
      throw new InvalidParameterError('MaxResults must be between 1 and 20.');
    }
    const start = req.NextToken === undefined ? 0 : Number(Buffer.from(req.NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new InvalidParameterError('Invalid NextToken.');
    const all = user.WebAuthnCredentials ?? [];
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
    return {
      Credentials: page.map((credential) => ({
        CredentialId: credential.CredentialId,
        FriendlyCredentialName: credential.FriendlyCredentialName,
        RelyingPartyId: credential.RelyingPartyId,
        AuthenticatorAttachment: credential.AuthenticatorAttachment,
        AuthenticatorTransports: credential.AuthenticatorTransports,
        CreatedAt: new Date(credential.CreatedAt),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private async deleteCredential(ctx: Context, req: Request): Promise<object> {
    const { pool, user } = await this.caller(ctx, req);
    if (typeof req.CredentialId !== 'string' || !req.CredentialId) {
      throw new InvalidParameterError('Missing required parameter CredentialId');
    }
    const existing = user.WebAuthnCredentials ?? [];
    const kept = existing.filter((credential) => credential.CredentialId !== req.CredentialId);
    if (kept.length === existing.length) throw new ResourceNotFoundError('Credential not found.');
    await pool.saveUser(ctx, { ...user, WebAuthnCredentials: kept } as PasskeyUser);
    return {};
  }

  // ---- sign-in (the WEB_AUTHN challenge of USER_AUTH) --------------------------------------

  /** Whether the user could answer a WEB_AUTHN challenge now. */
  canSignIn(pool: UserPoolService, user: User): boolean {
    try {
      webAuthnSettings(pool.options as NativePoolOptions);
    } catch {
      return false;
    }
    return ((user as PasskeyUser).WebAuthnCredentials ?? []).length > 0;
  }

  /** CREDENTIAL_REQUEST_OPTIONS (a PublicKeyCredentialRequestOptionsJSON) for a new challenge. */
  requestOptions(pool: UserPoolService, user: User): { challenge: string; json: string } {
    const { rpId, userVerification } = webAuthnSettings(pool.options as NativePoolOptions);
    const challenge = randomBytes(32).toString('base64url');
    const options = {
      challenge,
      rpId,
      timeout: 180_000,
      userVerification,
      allowCredentials: ((user as PasskeyUser).WebAuthnCredentials ?? []).map((credential) => ({
        type: 'public-key',
        id: credential.CredentialId,
        transports: credential.AuthenticatorTransports,
      })),
    };
    return { challenge, json: JSON.stringify(options) };
  }

  /**
   * Verifies CREDENTIAL (AuthenticationResponseJSON, as a string) against the challenge and the
   * user's own passkeys, and stores the new counter. Any failure is NotAuthorizedException, the one
   * exception RespondToAuthChallenge has for a wrong answer.
   */
  async verifyAssertion(
    ctx: Context,
    pool: UserPoolService,
    user: User,
    credentialText: string | undefined,
    challenge: string,
  ): Promise<void> {
    if (credentialText === undefined) throw new InvalidParameterError('Missing required parameter CREDENTIAL');
    const { rpId, userVerification } = webAuthnSettings(pool.options as NativePoolOptions);
    const refuse = (reason: string) => new NotAuthorizedError(`Passkey authentication failed: ${reason}.`);
    let response: AuthenticationResponseJSON;
    try {
      response = JSON.parse(credentialText) as AuthenticationResponseJSON;
    } catch {
      throw new InvalidParameterError('CREDENTIAL must be an AuthenticationResponseJSON string.');
    }
    if (!response || typeof response !== 'object' || typeof response.id !== 'string' || !response.response) {
      throw new InvalidParameterError('CREDENTIAL must be an AuthenticationResponseJSON string.');
    }
    const passkeyUser = user as PasskeyUser;
    const stored = (passkeyUser.WebAuthnCredentials ?? []).find(
      (credential) => credential.CredentialId === response.id,
    );
    if (!stored) throw refuse('the credential is not registered for this user');
    const clientData = clientDataOf(response.response.clientDataJSON);
    const origin = String(clientData.origin);
    if (!originAllowed(origin, rpId)) throw refuse(`the origin ${origin} is not allowed`);
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpId,
        requireUserVerification: userVerification === 'required',
        credential: {
          id: stored.CredentialId,
          publicKey: Buffer.from(stored.PublicKey, 'base64url'),
          counter: stored.Counter,
          transports: stored.AuthenticatorTransports as AuthenticatorTransport[],
        },
      });
    } catch (error) {
      throw refuse((error as Error).message);
    }
    if (!verified.verified) throw refuse('the signature did not verify');
    const credentials = (passkeyUser.WebAuthnCredentials ?? []).map((credential) =>
      credential.CredentialId === stored.CredentialId
        ? { ...credential, Counter: verified.authenticationInfo.newCounter }
        : credential,
    );
    await pool.saveUser(ctx, { ...passkeyUser, WebAuthnCredentials: credentials } as PasskeyUser);
  }
}
