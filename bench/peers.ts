import { JwtRsaVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { getIronSession, sealData } from 'iron-session';
import { base64url, calculateJwkThumbprint, createLocalJWKSet, EncryptJWT, jwtDecrypt, jwtVerify, SignJWT } from 'jose';
import { hkdf, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * The per-request session checks a Next.js app would otherwise pick, written the way each
 * library's own code does it, for the `peers` task of bench/app-worker.ts, which times them in
 * the same process and the same rounds as ours (lib/session/session.ts's resolveSession):
 *
 * - Auth.js v5 (`@auth/core`): its JWT session cookie is a JWE (`dir`, A256CBC-HS512) whose key
 *   is derived from AUTH_SECRET by HKDF, salted with the cookie's name; `decode` in
 *   `@auth/core/jwt` derives the key and its JWK thumbprint (the `kid`) on every call, then
 *   `jwtDecrypt`s. `@auth/core` itself does not install here (its optional peers pin
 *   `@simplewebauthn/*` 9 and nodemailer 7-8; this app has 14 and 10), so this is the same
 *   steps on the same jose.
 * - iron-session: `getIronSession` on the cookie store, as a Next.js app calls it (unsealData
 *   through WebCrypto).
 * - vercel's saas-starter: `jwtVerify` of an HS256 JWT with a key made once from AUTH_SECRET.
 * - A Cognito ID token in a cookie, verified per request against a cached JWKS, as
 *   `aws-jwt-verify` does (Amplify's server adapter uses it), and as plain jose does. These two
 *   read the token itself, which is what it is: the same tokens of the embedded pool that ours
 *   checks, a little shorter than our cookie.
 *
 * Only the check is timed. Auth.js's session action and saas-starter's middleware also re-encode
 * the cookie on every request to slide its expiry; that cost is left out, in the peers' favour.
 */

export interface Contender {
  name: string;
  /** Length of the cookie value it reads, in bytes. */
  cookieBytes: number;
  /** The same cookie every call: as a browser sends it with each request of a session. */
  seen: () => Promise<unknown>;
  /** A cookie (and token) this process has never checked; call i uses the i-th. */
  fresh: (i: number) => Promise<unknown>;
}

/** What the peers need from the run: our cookie's size, and real ID tokens of the embedded pool. */
export interface PeerInputs {
  /** Length of our ID cookie's value: every peer's cookie is made this long. */
  cookieBytes: number;
  /** A Cognito ID token of the session, carried in each peer's cookie as apps do. */
  idToken: string;
  /** ID tokens straight from the pool, one per fresh check. */
  freshIdTokens: string[];
  /** The pool's JWKS, as fetched once. */
  jwks: Jwks;
  issuer: string;
  clientId: string;
}

const SECRET = randomBytes(32).toString('base64url');

/**
 * A cookie value of `target` bytes (within a few): `make` builds one around `pad` filler
 * characters, and the filler is tuned until the encoded length fits.
 */
async function sizedTo(target: number, make: (pad: string) => Promise<string>): Promise<string> {
  let padLength = 0;
  let value = await make('');
  for (let attempt = 0; attempt < 8 && Math.abs(value.length - target) > 4; attempt++) {
    // Base64 and CBC blocks: about 4 encoded bytes for 3 more of content.
    padLength = Math.max(0, padLength + Math.floor(((target - value.length) * 3) / 4));
    value = await make('x'.repeat(padLength));
  }
  if (Math.abs(value.length - target) > 24)
    throw new Error(`a peer cookie of ${target} bytes could not be made (got ${value.length})`);
  return value;
}

/**
 * A session's claims in a peer's cookie: who (from the Cognito ID token), and filler to bring the
 * cookie to our cookie's size (the whole ID token would make a JWE larger than ours).
 */
function claimsOf(idToken: string, pad: string) {
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as {
    sub: string;
    email: string;
  };
  return { sub: claims.sub, email: claims.email, pad };
}

// ---- Auth.js v5 --------------------------------------------------------------------------------

/** The cookie name in production (https), which is also the HKDF salt. */
const AUTHJS_COOKIE = '__Secure-authjs.session-token';
const AUTHJS_ENC = 'A256CBC-HS512';
const hkdfAsync = promisify(hkdf);

/** @auth/core's getDerivedEncryptionKey: 64 bytes for A256CBC-HS512, 32 for A256GCM. */
async function authJsKey(enc: string, secret: string, salt: string): Promise<Uint8Array> {
  const length = enc === 'A256CBC-HS512' ? 64 : enc === 'A256GCM' ? 32 : 0;
  if (!length) throw new Error('Unsupported JWT Content Encryption Algorithm');
  return new Uint8Array(await hkdfAsync('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, length));
}

const thumbprintOf = (key: Uint8Array) =>
  calculateJwkThumbprint({ kty: 'oct', k: base64url.encode(key) }, `sha${key.byteLength << 3}` as 'sha512');

/** @auth/core's encode: `dir` + A256CBC-HS512, kid = the key's thumbprint, 30 days. */
async function authJsEncode(payload: Record<string, unknown>): Promise<string> {
  const key = await authJsKey(AUTHJS_ENC, SECRET, AUTHJS_COOKIE);
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: AUTHJS_ENC, kid: await thumbprintOf(key) })
    .setIssuedAt()
    .setExpirationTime('30d')
    .setJti(randomUUID())
    .encrypt(key);
}

/** @auth/core's decode, as its session action runs it for the middleware's `auth()`. */
async function authJsDecode(token: string): Promise<unknown> {
  const { payload } = await jwtDecrypt(
    token,
    async ({ kid, enc }) => {
      const key = await authJsKey(enc, SECRET, AUTHJS_COOKIE);
      if (kid === undefined || kid === (await thumbprintOf(key))) return key;
      throw new Error('no matching decryption secret');
    },
    { clockTolerance: 15, keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: [AUTHJS_ENC, 'A256GCM'] },
  );
  return payload;
}

// ---- the contenders ----------------------------------------------------------------------------

function checked(value: unknown, name: string): unknown {
  if (!value || (typeof value === 'object' && Object.keys(value).length === 0))
    throw new Error(`${name}: the check found no session`);
  return value;
}

async function authJs(inputs: PeerInputs): Promise<Contender> {
  const make = (idToken: string) =>
    sizedTo(inputs.cookieBytes, (pad) => authJsEncode({ name: null, ...claimsOf(idToken, pad) }));
  const cookie = await make(inputs.idToken);
  const fresh = await Promise.all(inputs.freshIdTokens.map(make));
  const name = 'Auth.js v5: JWT session cookie (JWE dir + A256CBC-HS512, HKDF key), decode';
  return {
    name,
    cookieBytes: cookie.length,
    seen: async () => checked(await authJsDecode(cookie), name),
    fresh: async (i) => checked(await authJsDecode(fresh[i]!), name),
  };
}

async function ironSession(inputs: PeerInputs): Promise<Contender> {
  const password = SECRET;
  const cookieName = 'session';
  const make = (idToken: string) =>
    sizedTo(inputs.cookieBytes, (pad) => sealData(claimsOf(idToken, pad), { password }));
  const cookie = await make(inputs.idToken);
  const fresh = await Promise.all(inputs.freshIdTokens.map(make));
  // A Next.js app passes `await cookies()`; this store answers the same two calls.
  const store = (value: string) => ({ get: () => ({ name: cookieName, value }), set: () => undefined });
  const name = 'iron-session: getIronSession (unsealData, WebCrypto)';
  const open = async (value: string) => {
    const session = await getIronSession<{ sub?: string }>(store(value), { password, cookieName });
    return checked(session.sub, name);
  };
  return { name, cookieBytes: cookie.length, seen: () => open(cookie), fresh: (i) => open(fresh[i]!) };
}

async function saasStarter(inputs: PeerInputs): Promise<Contender> {
  // saas-starter's lib/auth/session.ts: the key made once, at module load.
  const key = new TextEncoder().encode(SECRET);
  const make = (idToken: string) =>
    sizedTo(inputs.cookieBytes, (pad) =>
      new SignJWT({ user: claimsOf(idToken, pad), expires: new Date(Date.now() + 86_400_000).toISOString() })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('1 day from now')
        .sign(key),
    );
  const cookie = await make(inputs.idToken);
  const fresh = await Promise.all(inputs.freshIdTokens.map(make));
  const name = 'saas-starter: jose jwtVerify, HS256';
  const verify = async (token: string) =>
    checked((await jwtVerify(token, key, { algorithms: ['HS256'] })).payload, name);
  return { name, cookieBytes: cookie.length, seen: () => verify(cookie), fresh: (i) => verify(fresh[i]!) };
}

function awsJwtVerify(inputs: PeerInputs): Contender {
  // JwtRsaVerifier, not CognitoJwtVerifier: the latter derives the issuer from the pool id as
  // AWS's https URL, and the embedded pool's issuer is local. Same checks otherwise, token_use too.
  const verifier = JwtRsaVerifier.create({
    issuer: inputs.issuer,
    audience: inputs.clientId,
    jwksUri: `${inputs.issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('not an ID token');
    },
  });
  verifier.cacheJwks(inputs.jwks);
  const name = 'aws-jwt-verify: Cognito ID token in a cookie, RS256, cached JWKS';
  return {
    name,
    cookieBytes: inputs.idToken.length,
    seen: async () => checked(await verifier.verify(inputs.idToken), name),
    fresh: async (i) => checked(await verifier.verify(inputs.freshIdTokens[i]!), name),
  };
}

function joseRs256(inputs: PeerInputs): Contender {
  const keys = createLocalJWKSet({ keys: [...inputs.jwks.keys] });
  const name = 'jose: Cognito ID token in a cookie, RS256, cached JWKS';
  const verify = async (token: string) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ['RS256'],
      issuer: inputs.issuer,
      audience: inputs.clientId,
    });
    if (payload.token_use !== 'id') throw new Error(`${name}: not an ID token`);
    return payload;
  };
  return {
    name,
    cookieBytes: inputs.idToken.length,
    seen: () => verify(inputs.idToken),
    fresh: (i) => verify(inputs.freshIdTokens[i]!),
  };
}

export async function makePeers(inputs: PeerInputs): Promise<Contender[]> {
  return [
    await authJs(inputs),
    await ironSession(inputs),
    await saasStarter(inputs),
    awsJwtVerify(inputs),
    joseRs256(inputs),
  ];
}
