import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../../../../support/soft-authenticator';
import { withEnvironment } from '../../../../support/app-environment';

/** What the native layer reads from the browser's WebAuthn responses on their way to Cognito. */

async function details() {
  withEnvironment({});
  return import('@/lib/layers/cognito-native/details');
}

const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const options = {
  challenge: Buffer.from('challenge').toString('base64url'),
  rp: { id: 'app.example.com', name: 'App' },
  user: { id: 'dXNlcg', name: 'ada@example.com', displayName: 'ada@example.com' },
  pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
};

describe('aaguidOfRegistration', () => {
  it('reads the AAGUID from the attestationObject of a registration response', async () => {
    const { aaguidOfRegistration } = await details();
    const authenticator = new SoftAuthenticator('https://app.example.com', { aaguid: GOOGLE_PASSWORD_MANAGER });
    expect(aaguidOfRegistration(authenticator.register(options))).toBe(GOOGLE_PASSWORD_MANAGER);
    const hidden = new SoftAuthenticator('https://app.example.com');
    expect(aaguidOfRegistration(hidden.register(options))).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('answers null for anything that is not a registration response, never throwing', async () => {
    const { aaguidOfRegistration } = await details();
    for (const hostile of [
      null,
      'x',
      42,
      {},
      { response: {} },
      { response: { attestationObject: 'not-cbor' } },
      { response: { attestationObject: 'A'.repeat(20_000) } },
      { response: { attestationObject: Buffer.from([0xa0]).toString('base64url') } },
    ]) {
      expect(aaguidOfRegistration(hostile)).toBeNull();
    }
  });
});

describe('credentialIdOf', () => {
  it('takes a base64url id of at most 1024 characters, and nothing else', async () => {
    const { credentialIdOf } = await details();
    const authenticator = new SoftAuthenticator('https://app.example.com');
    expect(credentialIdOf({ id: authenticator.id })).toBe(authenticator.id);
    for (const id of ['', 'a'.repeat(1025), 'has space', 'slash/plus+', '../x', 7, null]) {
      expect(credentialIdOf({ id })).toBeNull();
    }
    expect(credentialIdOf(null)).toBeNull();
    expect(credentialIdOf('id')).toBeNull();
  });
});
