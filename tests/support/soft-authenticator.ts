import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator (a platform passkey with user verification) that answers the
 * app's options with the JSON a browser's @simplewebauthn/browser would post: 'none' attestation,
 * an ES256 key on P-256, a signature counter. Every part the relying party must check can be
 * tampered with, one at a time.
 */

export interface Tampering {
  /** clientDataJSON.origin instead of the authenticator's origin. */
  origin?: string;
  /** The RP ID hashed into authenticatorData instead of the authenticator's. */
  rpId?: string;
  /** clientDataJSON.challenge instead of the one in the options. */
  challenge?: string;
  /** clientDataJSON.type instead of webauthn.create / webauthn.get. */
  type?: string;
  /** false clears the UV flag (the user was present but not verified). */
  userVerified?: boolean;
  /** The signature counter to report instead of the next one. */
  counter?: number;
  /** Sign the assertion with this key instead of the credential's own. */
  signWith?: KeyObject;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** A CBOR head: major type and length (short forms up to 2 bytes of length are all we need). */
function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  throw new Error('CBOR item too long for this encoder');
}
const cborBytes = (bytes: Uint8Array) => Buffer.concat([cborHead(2, bytes.length), bytes]);
const cborText = (text: string) => Buffer.concat([cborHead(3, Buffer.byteLength(text)), Buffer.from(text)]);

/** The COSE_Key of an EC2 ES256 public key: {1: 2, 3: -7, -1: 1, -2: x, -3: y}. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return Buffer.concat([
    Buffer.from([0xa5]), // map of 5
    Buffer.from([0x01, 0x02]), // kty: EC2
    Buffer.from([0x03, 0x26]), // alg: -7 (ES256)
    Buffer.from([0x20, 0x01]), // crv: P-256
    Buffer.from([0x21]),
    cborBytes(x), // x
    Buffer.from([0x22]),
    cborBytes(y), // y
  ]);
}

export function newSigningKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

export class SoftAuthenticator {
  readonly credentialId: Buffer;
  /** The last signature counter this authenticator reported (0 right after registration). */
  signCount = 0;
  private readonly privateKey: KeyObject;
  /** The authenticator's model, in its attested credential data (zero: the browser hid it). */
  private readonly aaguid: Buffer;
  private userHandle: string | undefined;

  constructor(
    private readonly origin: string,
    options: { credentialId?: Buffer; privateKey?: KeyObject; aaguid?: string } = {},
  ) {
    this.credentialId = options.credentialId ?? randomBytes(32);
    this.privateKey = options.privateKey ?? newSigningKey();
    this.aaguid = options.aaguid ? Buffer.from(options.aaguid.replace(/-/g, ''), 'hex') : Buffer.alloc(16);
  }

  /** The credential id, base64url, as the response's id and rawId carry it. */
  get id(): string {
    return b64url(this.credentialId);
  }

  private get rpId(): string {
    return new URL(this.origin).hostname;
  }

  private clientData(type: string, challenge: string, tampering: Tampering): string {
    const clientData = {
      type: tampering.type ?? type,
      challenge: tampering.challenge ?? challenge,
      origin: tampering.origin ?? this.origin,
      crossOrigin: false,
    };
    return b64url(Buffer.from(JSON.stringify(clientData)));
  }

  private authenticatorData(flags: number, counter: number, tampering: Tampering, attested?: Buffer): Buffer {
    const verified = tampering.userVerified ?? true;
    const flagByte = flags | FLAG_UP | (verified ? FLAG_UV : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([
      sha256(tampering.rpId ?? this.rpId),
      Buffer.from([flagByte]),
      count,
      attested ?? Buffer.alloc(0),
    ]);
  }

  /** Creates the credential for these registration options (navigator.credentials.create). */
  register(options: PublicKeyCredentialCreationOptionsJSON, tampering: Tampering = {}): RegistrationResponseJSON {
    this.userHandle = options.user.id;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const publicKey = createPublicKey(this.privateKey);
    const attested = Buffer.concat([this.aaguid, idLength, this.credentialId, coseKey(publicKey)]);
    const authData = this.authenticatorData(FLAG_AT, tampering.counter ?? 0, tampering, attested);
    const attestationObject = Buffer.concat([
      Buffer.from([0xa3]), // map of 3
      cborText('fmt'),
      cborText('none'),
      cborText('attStmt'),
      Buffer.from([0xa0]), // empty map
      cborText('authData'),
      cborBytes(authData),
    ]);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, tampering),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Signs in with the credential for these request options (navigator.credentials.get). */
  authenticate(
    options: Pick<PublicKeyCredentialRequestOptionsJSON, 'challenge'>,
    tampering: Tampering = {},
  ): AuthenticationResponseJSON {
    const counter = tampering.counter ?? this.signCount + 1;
    this.signCount = Math.max(this.signCount, counter);
    const authData = this.authenticatorData(0, counter, tampering);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tampering);
    const signed = Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]);
    // node:crypto signs EC keys as DER (ASN.1 r, s), the encoding WebAuthn's ES256 uses.
    const signature = sign('sha256', signed, tampering.signWith ?? this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: this.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
