import { randomBytes, randomInt } from 'node:crypto';
import { generateKeyPair, jwtVerify, SignJWT, errors as joseErrors, type CryptoKey } from 'jose';

/**
 * The state of one Corbado Connect project as the stand-in keeps it in memory: Corbado users
 * (linked to the app's user store by `webauthnId`), their passkeys, connect tokens, Frontend API
 * processes and the signedPasskeyData it has issued. Nothing survives a restart, as a fresh
 * project would not remember anything either.
 */

export interface CorbadoUser {
  /** usr-<digits>, Corbado's user id (the `sub` of signedPasskeyData). */
  id: string;
  /** The identifier in the app's user store (the Cognito username), from the append token. */
  webauthnId: string;
  /** What the user sees (the email), from the append token. */
  displayName: string;
}

export interface StoredPasskey {
  /** Corbado's passkey id (pas-<digits>). */
  id: string;
  userId: string;
  /** base64url credential id. */
  credentialID: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  aaguid: string;
  created: string;
  lastUsed: string;
  sourceOS: string;
  sourceBrowser: string;
}

export type ConnectTokenType = 'passkey-append' | 'passkey-list' | 'passkey-delete';

export interface ConnectToken {
  id: string;
  tokenType: ConnectTokenType;
  data: { identifier: string; displayName?: string };
  connectTokenStatus: 'initial' | 'consumed';
  secret: string;
  /** Unix seconds. */
  expires: number;
}

/** A WebAuthn challenge the process waits for, bound to what it was issued for. */
export interface PendingCeremony {
  challenge: string;
  /** The user a login/start or append/start was for; absent for conditional UI (any user). */
  userId?: string;
  /** What login/start was called with (as typed), shown back by the component. */
  identifierValue?: string;
  challengeId: string;
}

export interface ConnectProcess {
  id: string;
  /** Unix seconds. */
  expiresAt: number;
  login?: PendingCeremony;
  conditionalUI?: PendingCeremony;
  append?: PendingCeremony;
}

export type VerificationResult =
  'success' | 'invalid_signature' | 'invalid_challenge' | 'user_mismatch' | 'generic_error';

const PROCESS_LIFETIME_S = 60 * 60;
const DEFAULT_TOKEN_LIFETIME_S = 10 * 60;
const MAX_TOKEN_LIFETIME_S = 60 * 60;
/** signedPasskeyData is meant to be verified right after the ceremony. */
const SIGNED_DATA_LIFETIME_S = 5 * 60;

const now = () => Math.floor(Date.now() / 1000);
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
export const randomId = (prefix: string) => `${prefix}-${digits(19)}`;
const secret = () => randomBytes(32).toString('base64url');

export class ProjectStore {
  readonly users = new Map<string, CorbadoUser>();
  readonly passkeys = new Map<string, StoredPasskey>();
  private readonly tokens = new Map<string, ConnectToken>();
  private readonly processes = new Map<string, ConnectProcess>();
  private readonly issuedData = new Set<string>();
  private readonly usedData = new Set<string>();

  private constructor(
    readonly projectId: string,
    private readonly signingKey: CryptoKey,
    private readonly verifyKey: CryptoKey,
  ) {}

  static async create(projectId: string): Promise<ProjectStore> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    return new ProjectStore(projectId, privateKey, publicKey);
  }

  clear(): void {
    this.users.clear();
    this.passkeys.clear();
    this.tokens.clear();
    this.processes.clear();
    this.issuedData.clear();
    this.usedData.clear();
  }

  userByWebauthnId(webauthnId: string): CorbadoUser | undefined {
    for (const user of this.users.values()) if (user.webauthnId === webauthnId) return user;
    return undefined;
  }

  /** The passkey-append token creates the Corbado user for this identifier, or links to it. */
  linkUser(webauthnId: string, displayName: string): CorbadoUser {
    const existing = this.userByWebauthnId(webauthnId);
    if (existing) {
      existing.displayName = displayName;
      return existing;
    }
    const user: CorbadoUser = { id: randomId('usr'), webauthnId, displayName };
    this.users.set(user.id, user);
    return user;
  }

  passkeysOf(userId: string): StoredPasskey[] {
    return [...this.passkeys.values()].filter((passkey) => passkey.userId === userId);
  }

  passkeyByCredentialId(credentialID: string): StoredPasskey | undefined {
    for (const passkey of this.passkeys.values()) if (passkey.credentialID === credentialID) return passkey;
    return undefined;
  }

  createToken(tokenType: ConnectTokenType, data: ConnectToken['data'], lifetimeSeconds?: number): ConnectToken {
    const lifetime = Math.min(lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_S, MAX_TOKEN_LIFETIME_S);
    const token: ConnectToken = {
      id: randomId('ctk'),
      tokenType,
      data,
      connectTokenStatus: 'initial',
      secret: secret(),
      expires: now() + lifetime,
    };
    this.tokens.set(token.secret, token);
    return token;
  }

  /**
   * The token with this secret if it is of this type and still valid. Append and delete tokens are
   * single-use; list tokens are not, because the installed component lists again with the same
   * token after a delete (PasskeyListScreen keeps it in state).
   */
  useToken(value: unknown, tokenType: ConnectTokenType): ConnectToken | undefined {
    if (typeof value !== 'string') return undefined;
    const token = this.tokens.get(value);
    if (!token || token.tokenType !== tokenType || token.expires < now()) return undefined;
    if (token.connectTokenStatus === 'consumed') return undefined;
    if (tokenType !== 'passkey-list') token.connectTokenStatus = 'consumed';
    return token;
  }

  /** The process named by the x-corbado-process-id header if it is still alive, else a new one. */
  openProcess(headerValue: string | undefined): ConnectProcess {
    const existing = this.process(headerValue);
    if (existing) return existing;
    const process: ConnectProcess = { id: `cpr-${secret()}`, expiresAt: now() + PROCESS_LIFETIME_S };
    this.processes.set(process.id, process);
    return process;
  }

  process(id: string | undefined): ConnectProcess | undefined {
    if (!id) return undefined;
    const process = this.processes.get(id);
    if (!process || process.expiresAt < now()) return undefined;
    return process;
  }

  newCeremony(challenge: string, fields: Omit<PendingCeremony, 'challenge' | 'challengeId'> = {}): PendingCeremony {
    return { challenge, challengeId: randomId('cha'), ...fields };
  }

  /** signedPasskeyData: a single-use RS256 JWT saying which user just proved a passkey. */
  async signPasskeyData(
    user: CorbadoUser,
    passkey: StoredPasskey,
    processId: string,
    challengeId: string,
  ): Promise<string> {
    const jti = secret();
    this.issuedData.add(jti);
    const issuedAt = now();
    return new SignJWT({
      processId,
      credential: passkey.credentialID,
      challengeId,
      webauthnId: user.webauthnId,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.projectId)
      .setSubject(user.id)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + SIGNED_DATA_LIFETIME_S)
      .setJti(jti)
      .sign(this.signingKey);
  }

  /**
   * Backend API verifySignedData. A valid token is spent by the first check that reaches the user
   * comparison: success, and also user_mismatch, so data stolen for one user cannot be retried.
   */
  async verifyPasskeyData(signedPasskeyData: string, username: string): Promise<VerificationResult> {
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(signedPasskeyData, this.verifyKey, {
        algorithms: ['RS256'],
        issuer: this.projectId,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return 'invalid_challenge';
      if (error instanceof joseErrors.JOSEError) return 'invalid_signature';
      return 'generic_error';
    }
    const jti = claims.jti;
    if (typeof jti !== 'string' || !this.issuedData.has(jti)) return 'invalid_signature';
    if (this.usedData.has(jti)) return 'invalid_challenge';
    this.usedData.add(jti);
    return claims.webauthnId === username ? 'success' : 'user_mismatch';
  }
}
