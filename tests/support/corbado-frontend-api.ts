import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * Stands in for the one part of Corbado's Frontend API the server uses: the project's JWKS at
 * `<CORBADO_FRONTEND_API>/.well-known/jwks`. Corbado's cloud cannot run here; everything else
 * (the real @corbado/node-sdk, its JWKS cache, the token checks) runs as in production.
 * Tokens are signed like Corbado's session tokens (RS256, with `kid`).
 */

export interface TestFrontendApi {
  /** The origin to set as CORBADO_FRONTEND_API, also the `iss` of valid tokens. */
  origin: string;
  /** JWKS downloads so far. */
  jwksRequests(): number;
  /** The X-Corbado-ProjectID header of the last JWKS download. */
  lastProjectIdHeader(): string | undefined;
  /** Answer JWKS downloads with this HTTP status (an outage), until set back to null. */
  failJwksWith: number | null;
  /** A session token signed by the project's key; `claims` override or (as undefined) remove claims. */
  sessionToken(claims?: Partial<Record<keyof SessionClaims, unknown>>, options?: TokenOptions): Promise<string>;
  /** A key the project does not publish, to sign forgeries with. */
  strangerKey: CryptoKey;
  stop(): Promise<void>;
}

export interface SessionClaims {
  iss: string;
  sub: string;
  exp: number;
  iat: number;
  nbf: number;
  email: string;
  name: string;
  orig: string;
  phone_number: string;
  jti: string;
  version: number;
}

export interface TokenOptions {
  key?: CryptoKey;
  kid?: string;
  alg?: string;
}

export const PROJECT_KEY_ID = 'test-project-key';
const now = () => Math.floor(Date.now() / 1000);

export async function startTestFrontendApi(): Promise<TestFrontendApi> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: PROJECT_KEY_ID, alg: 'RS256', use: 'sig' }] };
  let requests = 0;
  let projectIdHeader: string | undefined;

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks') {
      requests += 1;
      if (api.failJwksWith !== null) {
        res.writeHead(api.failJwksWith).end();
        return;
      }
      projectIdHeader = req.headers['x-corbado-projectid'] as string | undefined;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: TestFrontendApi = {
    origin,
    failJwksWith: null,
    jwksRequests: () => requests,
    lastProjectIdHeader: () => projectIdHeader,
    strangerKey: stranger.privateKey,
    async sessionToken(overrides = {}, options = {}) {
      const issuedAt = now();
      const claims: Record<string, unknown> = {
        iss: origin,
        sub: 'usr-1000000000000000001',
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + 900,
        email: 'passkey.user@example.com',
        name: 'Passkey User',
        orig: 'passkey.user@example.com',
        phone_number: '',
        jti: `jti-${Math.random().toString(36).slice(2)}`,
        version: 2,
      };
      for (const [name, value] of Object.entries(overrides)) {
        if (value === undefined) delete claims[name];
        else claims[name] = value;
      }
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? PROJECT_KEY_ID, typ: 'JWT' })
        .sign(options.key ?? privateKey);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; an outage (or a test's end) drops them too.
        server.closeAllConnections();
      }),
  };
  return api;
}
