import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import { attributesToRecord, attributeValue, type User } from 'cognito-local/lib/services/userPoolService';
import { WriteBehindFile } from './data-store';
import { ensurePrivateDir, writePrivateFile } from './private-files';

/**
 * Issues Cognito-shaped tokens for the embedded pool: RS256 ID and access tokens signed by a
 * key generated once into the data folder (never the key shipped inside cognito-local), and
 * opaque refresh tokens as long as real ones (Cognito's are ~1.8 KB encrypted JWTs), so the
 * app's cookies are tested at real size.
 */

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

export interface IssuedTokens {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

interface RefreshRecord {
  poolId: string;
  clientId: string;
  username: string;
  originJti: string;
  authTime: number;
  expiresAt: number;
}

const UNIT_SECONDS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;

function validitySeconds(value: number | undefined, unit: string | undefined, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const factor = UNIT_SECONDS[(unit ?? 'hours') as keyof typeof UNIT_SECONDS] ?? 3600;
  return value * factor;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function opaqueRefreshToken(): string {
  const header = Buffer.from(JSON.stringify({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' })).toString('base64url');
  const part = (bytes: number) => randomBytes(bytes).toString('base64url');
  return [header, part(256), part(12), part(1024), part(16)].join('.');
}

export class TokenIssuer {
  /** Written behind, like the pool files (data-store.ts): a sign-in does not wait for the disk. */
  private readonly refreshFile: WriteBehindFile;
  /**
   * The sign-in sessions (origin_jti) whose refresh token is still live. An access token of any
   * other session was revoked (RevokeToken, GlobalSignOut, AdminUserGlobalSignOut): Cognito
   * refuses those too, not only their refresh tokens.
   */
  private readonly liveSessions = new Set<string>();

  private constructor(
    private readonly privateKey: SigningKey,
    private readonly publicKey: SigningKey,
    readonly publicJwk: JWK,
    refreshFile: string,
    private readonly refreshTokens: Map<string, RefreshRecord>,
    private issuerBase: string,
  ) {
    this.refreshFile = new WriteBehindFile(refreshFile, () => JSON.stringify(Object.fromEntries(this.refreshTokens)));
    for (const record of refreshTokens.values()) this.liveSessions.add(record.originJti);
  }

  /** `directory` is the emulator's own state folder, apart from cognito-local's pool files. */
  static async open(directory: string): Promise<TokenIssuer> {
    ensurePrivateDir(directory);
    const keyFile = path.join(directory, 'token-signing-key.json');
    if (!existsSync(keyFile)) {
      const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
      writePrivateFile(keyFile, JSON.stringify(jwk));
    }
    const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    const privateKey = await importJWK(jwk, 'RS256');
    const { kty, n, e, kid, alg, use } = jwk;
    const publicJwk = { kty, n, e, kid, alg, use };
    const refreshFile = path.join(directory, 'refresh-tokens.json');
    const records = existsSync(refreshFile)
      ? (JSON.parse(readFileSync(refreshFile, 'utf8')) as Record<string, RefreshRecord>)
      : {};
    return new TokenIssuer(
      privateKey,
      await importJWK(publicJwk, 'RS256'),
      publicJwk,
      refreshFile,
      new Map(Object.entries(records)),
      '',
    );
  }

  /** The endpoint is known only once the server listens. */
  setIssuerBase(endpoint: string): void {
    this.issuerBase = endpoint;
  }

  issuer(poolId: string): string {
    return `${this.issuerBase}/${poolId}`;
  }

  async issue(
    poolId: string,
    client: AppClient,
    user: User,
    session?: { originJti: string; authTime: number },
  ): Promise<IssuedTokens> {
    const now = Math.floor(Date.now() / 1000);
    const authTime = session?.authTime ?? now;
    const originJti = session?.originJti ?? randomUUID();
    const eventId = randomUUID();
    const sub = attributeValue('sub', user.Attributes) ?? user.Username;
    const attributes = attributesToRecord(user.Attributes);
    const custom = Object.fromEntries(Object.entries(attributes).filter(([name]) => name.startsWith('custom:')));
    const units = client.TokenValidityUnits ?? {};
    const idTtl = validitySeconds(client.IdTokenValidity, units.IdToken ?? 'minutes', 3600);
    const accessTtl = validitySeconds(client.AccessTokenValidity, units.AccessToken ?? 'minutes', 3600);
    const refreshTtl = validitySeconds(client.RefreshTokenValidity, units.RefreshToken ?? 'days', 30 * 86400);

    const sign = (claims: JWTPayload, ttl: number) =>
      new SignJWT({ ...claims, origin_jti: originJti, event_id: eventId, auth_time: authTime, jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid })
        .setIssuer(this.issuer(poolId))
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(this.privateKey);

    const IdToken = await sign(
      {
        ...custom,
        aud: client.ClientId,
        token_use: 'id',
        'cognito:username': user.Username,
        email: attributes.email,
        email_verified: attributes.email_verified === 'true',
      },
      idTtl,
    );
    const AccessToken = await sign(
      {
        client_id: client.ClientId,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        username: user.Username,
      },
      accessTtl,
    );
    const tokens: IssuedTokens = { IdToken, AccessToken, ExpiresIn: idTtl, TokenType: 'Bearer' };
    if (!session) {
      const refreshToken = opaqueRefreshToken();
      this.refreshTokens.set(hashToken(refreshToken), {
        poolId,
        clientId: client.ClientId,
        username: user.Username,
        originJti,
        authTime,
        expiresAt: now + refreshTtl,
      });
      this.liveSessions.add(originJti);
      this.persist();
      tokens.RefreshToken = refreshToken;
    }
    return tokens;
  }

  /** The live session behind a refresh token, or null if unknown, revoked, expired or another client's. */
  findRefreshToken(token: string, clientId: string): RefreshRecord | null {
    const record = this.refreshTokens.get(hashToken(token));
    if (!record || record.clientId !== clientId) return null;
    if (record.expiresAt <= Date.now() / 1000) {
      this.forget(hashToken(token));
      return null;
    }
    return record;
  }

  /** RevokeToken: the refresh token and the access tokens issued with it stop working. */
  revokeRefreshToken(token: string): void {
    this.forget(hashToken(token));
  }

  /** GlobalSignOut: every refresh token of the user, for every client, and their access tokens stop working. */
  revokeAllForUser(poolId: string, username: string): number {
    let revoked = 0;
    for (const [hash, record] of this.refreshTokens) {
      if (record.poolId === poolId && record.username === username) {
        this.forget(hash);
        revoked += 1;
      }
    }
    return revoked;
  }

  private forget(hash: string): void {
    const record = this.refreshTokens.get(hash);
    if (!record) return;
    this.refreshTokens.delete(hash);
    this.liveSessions.delete(record.originJti);
    this.persist();
  }

  /**
   * Whether a verified access token's session was revoked: its refresh token is gone. (A client
   * whose refresh tokens expire before its access tokens, unlike the defaults of 30 days and one
   * hour, would see its access tokens refused from then on; Cognito would still take them.)
   */
  isRevoked(claims: JWTPayload): boolean {
    return typeof claims.origin_jti !== 'string' || !this.liveSessions.has(claims.origin_jti);
  }

  /** Claims of an access token this issuer signed for the pool, or null. */
  async verifyAccessToken(token: string, poolId: string): Promise<JWTPayload | null> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        issuer: this.issuer(poolId),
      });
      return payload.token_use === 'access' ? payload : null;
    } catch {
      return null;
    }
  }

  private persist(): void {
    this.refreshFile.changed();
  }

  /** Waits until the refresh tokens issued so far are on disk. */
  flush(): Promise<void> {
    return this.refreshFile.flush();
  }
}
