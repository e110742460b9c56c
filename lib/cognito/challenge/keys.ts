import { createHash, createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';

/**
 * The verify trigger's public keys, so the app's signing key can be rotated without a failed
 * sign-in: the trigger trusts the current key and the next (or previous) one at once, and
 * picks the one an assertion names by `kid`. A key's id is its RFC 7638 JWK thumbprint, so it
 * needs no configuration and the app and the trigger always agree on it.
 *
 * Bundled into the Lambda with assertion.ts: it imports nothing but node:crypto.
 */

/** current + next, with room for one more during an overlapping rotation; more is a mistake. */
export const MAX_CHALLENGE_KEYS = 4;

/** Public keys by kid. Built only by challengeKeySet / parseChallengePublicKeys, which validate it. */
export type ChallengeKeySet = ReadonlyMap<string, KeyObject>;

export class ChallengeKeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChallengeKeySetError';
  }
}

export function isP256PublicKey(key: KeyObject): boolean {
  return (
    key.type === 'public' && key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  );
}

/** The RFC 7638 thumbprint (SHA-256, base64url) of a P-256 key; a private key gives its public half's. */
export function challengeKeyId(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  // The required members in lexicographic order, no whitespace (RFC 7638 section 3.2).
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Validates a list of public keys: 1..4 EC P-256 public keys, no key twice. */
export function challengeKeySet(keys: readonly KeyObject[]): ChallengeKeySet {
  if (keys.length === 0) throw new ChallengeKeySetError('holds no public key');
  if (keys.length > MAX_CHALLENGE_KEYS) {
    throw new ChallengeKeySetError(
      `holds ${keys.length} keys; at most ${MAX_CHALLENGE_KEYS} (the current and the next or previous one)`,
    );
  }
  const set = new Map<string, KeyObject>();
  keys.forEach((key, index) => {
    if (key.type !== 'public')
      throw new ChallengeKeySetError(`key ${index + 1} is a private key: give only public keys`);
    if (!isP256PublicKey(key)) throw new ChallengeKeySetError(`key ${index + 1} is not an EC P-256 public key (ES256)`);
    const kid = challengeKeyId(key);
    if (set.has(kid)) throw new ChallengeKeySetError(`key ${index + 1} repeats an earlier key (kid ${kid})`);
    set.set(kid, key);
  });
  return set;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The key set from its configuration text: one or more SPKI PEMs one after another (newlines
 * may be written as `\n`), or a JWKS `{"keys":[...]}`. Anything else, a private key, a non-P-256
 * key, a JWKS `kid` that is not the key's thumbprint, a repeated key or more than 4 keys throws
 * a ChallengeKeySetError saying which.
 */
export function parseChallengePublicKeys(text: string): ChallengeKeySet {
  const raw = text.replace(/\\n/g, '\n').trim();
  if (!raw) throw new ChallengeKeySetError('holds no public key');
  return raw.startsWith('{') ? fromJwks(raw) : fromPems(raw);
}

function fromPems(raw: string): ChallengeKeySet {
  const blocks = [...raw.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new ChallengeKeySetError('is neither PEM public keys nor a JWKS');
  if (raw.replace(PEM_BLOCK, '').trim()) throw new ChallengeKeySetError('has text outside its PEM blocks');
  if (blocks.length > MAX_CHALLENGE_KEYS) {
    throw new ChallengeKeySetError(`holds ${blocks.length} keys; at most ${MAX_CHALLENGE_KEYS}`);
  }
  const keys = blocks.map(([pem, label], index) => {
    if (label !== 'PUBLIC KEY') {
      throw new ChallengeKeySetError(
        `key ${index + 1} is a "${label}" block: give only SPKI public keys (BEGIN PUBLIC KEY)`,
      );
    }
    try {
      return createPublicKey(pem);
    } catch {
      throw new ChallengeKeySetError(`key ${index + 1} is not a readable PEM public key`);
    }
  });
  return challengeKeySet(keys);
}

function fromJwks(raw: string): ChallengeKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(raw);
  } catch {
    throw new ChallengeKeySetError('is not valid JSON (expected a JWKS {"keys":[...]})');
  }
  const entries = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(entries)) throw new ChallengeKeySetError('is JSON without a "keys" array');
  if (entries.length > MAX_CHALLENGE_KEYS) {
    throw new ChallengeKeySetError(`holds ${entries.length} keys; at most ${MAX_CHALLENGE_KEYS}`);
  }
  const keys = entries.map((entry: unknown, index) => {
    const jwk = (entry ?? {}) as JsonWebKey & { kid?: unknown };
    if (typeof entry !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
      throw new ChallengeKeySetError(`key ${index + 1} is not an EC P-256 JWK`);
    }
    if ('d' in jwk) throw new ChallengeKeySetError(`key ${index + 1} is a private key: give only public keys`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
    } catch {
      throw new ChallengeKeySetError(`key ${index + 1} is not a readable JWK`);
    }
    // The app names its key by thumbprint; a kid chosen by hand would never match an assertion.
    if (jwk.kid !== undefined && jwk.kid !== challengeKeyId(key)) {
      throw new ChallengeKeySetError(
        `key ${index + 1} has kid ${JSON.stringify(jwk.kid)}, not its RFC 7638 thumbprint ${challengeKeyId(key)}`,
      );
    }
    return key;
  });
  return challengeKeySet(keys);
}
