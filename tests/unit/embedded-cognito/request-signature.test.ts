import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NodeSha256,
  SIGNATURE_MAX_SKEW_MS,
  checkSignature,
  loadAccessKey,
  type AccessKey,
  type ReceivedRequest,
} from '@/embedded-cognito/request-signature';

/**
 * The emulator's SigV4 check, against requests signed by the real Cognito SDK client (its
 * request handler captures the signed request instead of sending it) and by the SDK's signer.
 */

const KEY: AccessKey = { accessKeyId: 'AKIAABCDEF0123456789', secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' };
const OTHER_SECRET: AccessKey = { ...KEY, secretAccessKey: 'b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==' };
const SIGNED_AT = new Date('2026-12-02T10:00:00Z');
const HOST = '127.0.0.1:9229';

type Captured = {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
};

/** What the emulator's HTTP server receives for a request the SDK sent: lower-case headers, path and query. */
function received(request: Captured): ReceivedRequest {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const one of Array.isArray(value) ? value : [value ?? '']) query.append(name, one);
  }
  const search = query.toString();
  return {
    method: request.method,
    url: search ? `${request.path}?${search}` : request.path,
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
    // The SDK hands its handler the body as bytes; the signer, as given (a string here).
    body:
      request.body instanceof Uint8Array
        ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength)
        : Buffer.from(String(request.body ?? '')),
  };
}

/** A ListUsers call as the Cognito SDK client signs it with `key`, at SIGNED_AT. */
async function sdkSigned(key: AccessKey = KEY): Promise<ReceivedRequest> {
  let captured: Captured | undefined;
  const client = new CognitoIdentityProviderClient({
    region: 'eu-central-1',
    endpoint: `http://${HOST}`,
    credentials: key,
    systemClockOffset: SIGNED_AT.getTime() - Date.now(),
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: Captured) => {
        captured = request;
        const body = Readable.from([Buffer.from('{}')]);
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body } };
      },
    },
  });
  await client.send(new ListUsersCommand({ UserPoolId: 'eu-central-1_AbCdEf123', Filter: 'email = "a@example.com"' }));
  return received(captured!);
}

/** A request signed by the SDK's signer directly, for shapes the client does not send. */
async function signerSigned(
  request: { path: string; query?: Record<string, string | string[]>; headers?: Record<string, string>; body: string },
  options: { key?: AccessKey; region?: string; service?: string } = {},
): Promise<ReceivedRequest> {
  const signer = new SignatureV4({
    credentials: options.key ?? KEY,
    region: options.region ?? 'eu-central-1',
    service: options.service ?? 'cognito-idp',
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: HOST,
      path: request.path,
      query: request.query ?? {},
      headers: { host: HOST, 'content-type': 'application/x-amz-json-1.1', ...request.headers },
      body: request.body,
    },
    { signingDate: SIGNED_AT },
  );
  return received(signed as Captured);
}

const at = (offsetMs: number) => SIGNED_AT.getTime() + offsetMs;
const check = (request: ReceivedRequest, key: AccessKey = KEY, now = at(0)) => checkSignature(request, key, now);
const withHeader = (request: ReceivedRequest, name: string, value: string | undefined): ReceivedRequest => ({
  ...request,
  headers: { ...request.headers, [name]: value },
});
const withAuthorization = (request: ReceivedRequest, edit: (value: string) => string) =>
  withHeader(request, 'authorization', edit(String(request.headers.authorization)));

describe('checkSignature', () => {
  it("accepts a call signed by the Cognito SDK client with the emulator's key", async () => {
    const request = await sdkSigned();
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAABCDEF0123456789\/20261202\/eu-central-1\/cognito-idp\/aws4_request/,
    );
    expect(await check(request)).toBeNull();
  });

  it('refuses a call signed with another secret for the same key id', async () => {
    expect(await check(await sdkSigned(OTHER_SECRET))).toMatchObject({
      status: 403,
      type: 'InvalidSignatureException',
    });
  });

  it('refuses a call signed with another key id', async () => {
    const refusal = await check(await sdkSigned({ ...KEY, accessKeyId: 'AKIAABCDEF0123456780' }));
    expect(refusal).toEqual({
      status: 403,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it.each([
    [
      'one character of the body',
      (r: ReceivedRequest) => ({
        ...r,
        body: Buffer.from(r.body.toString().replace('a@example.com', 'b@example.com')),
      }),
    ],
    [
      'the operation (X-Amz-Target)',
      (r: ReceivedRequest) => withHeader(r, 'x-amz-target', 'AWSCognitoIdentityProviderService.AdminDeleteUser'),
    ],
    ['the host', (r: ReceivedRequest) => withHeader(r, 'host', '127.0.0.1:9230')],
    ['the method', (r: ReceivedRequest) => ({ ...r, method: 'PUT' })],
    ['the path', (r: ReceivedRequest) => ({ ...r, url: '/admin' })],
    ['a query string added', (r: ReceivedRequest) => ({ ...r, url: `${r.url}?Action=AdminDeleteUser` })],
    [
      'the signature',
      (r: ReceivedRequest) => withAuthorization(r, (v) => v.replace(/.$/, (c) => (c === '0' ? '1' : '0'))),
    ],
    [
      'the region of the credential scope',
      (r: ReceivedRequest) => withAuthorization(r, (v) => v.replace('/eu-central-1/', '/us-east-1/')),
    ],
  ])('refuses an SDK call after a change to %s', async (_what, tamper) => {
    const request = await sdkSigned();
    expect(await check(request)).toBeNull();
    expect(await check(tamper(request))).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  it('refuses a call with no Authorization header', async () => {
    const request = withHeader(await sdkSigned(), 'authorization', undefined);
    expect(await check(request)).toEqual({
      status: 403,
      type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it.each([
    ['another algorithm', (v: string) => v.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1')],
    ['a short signature', (v: string) => v.slice(0, -1)],
    [
      'an upper-case signature',
      (v: string) => v.replace(/Signature=(\w+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`),
    ],
    ['extra text after the signature', (v: string) => `${v}, Signature=${'0'.repeat(64)}`],
    ['no SignedHeaders', (v: string) => v.replace(/SignedHeaders=[^,]+,\s*/, '')],
    ['a presigned-URL style value', () => `X-Amz-Credential=${KEY.accessKeyId}`],
  ])('refuses a malformed Authorization header (%s)', async (_what, edit) => {
    expect(await check(withAuthorization(await sdkSigned(), edit))).toMatchObject({
      type: 'IncompleteSignatureException',
    });
  });

  it('refuses a credential scoped to another service', async () => {
    const refusal = await check(await signerSigned({ path: '/', body: '{}' }, { service: 'sts' }));
    expect(refusal).toMatchObject({
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'cognito-idp'.",
    });
  });

  it.each([
    ['missing', undefined],
    ['malformed', '2026-12-02 10:00:00'],
    ['of another day than the credential scope', '20261203T000000Z'],
  ])('refuses an X-Amz-Date that is %s', async (_what, value) => {
    expect(await check(withHeader(await sdkSigned(), 'x-amz-date', value))).toMatchObject({
      type: 'IncompleteSignatureException',
      message: 'X-Amz-Date is missing, malformed or outside the credential scope.',
    });
  });

  it('accepts a signature up to 5 minutes from the server clock, either way, and refuses one beyond', async () => {
    const request = await sdkSigned();
    expect(SIGNATURE_MAX_SKEW_MS).toBe(300_000);
    expect(await check(request, KEY, at(SIGNATURE_MAX_SKEW_MS))).toBeNull();
    expect(await check(request, KEY, at(-SIGNATURE_MAX_SKEW_MS))).toBeNull();
    for (const now of [at(SIGNATURE_MAX_SKEW_MS + 1000), at(-SIGNATURE_MAX_SKEW_MS - 1000), at(24 * 3600_000)]) {
      expect(await check(request, KEY, now)).toMatchObject({
        type: 'InvalidSignatureException',
        message: expect.stringMatching(/^Signature expired/),
      });
    }
  });

  it.each(['host', 'x-amz-date'])('refuses a signature that does not cover %s', async (name) => {
    const request = withAuthorization(await sdkSigned(), (v) =>
      v.replace(
        /SignedHeaders=([^,]+)/,
        (_m, list: string) =>
          `SignedHeaders=${list
            .split(';')
            .filter((h) => h !== name)
            .join(';')}`,
      ),
    );
    expect(await check(request)).toMatchObject({
      type: 'IncompleteSignatureException',
      message: 'The signed headers must include host and x-amz-date.',
    });
  });

  it('refuses a request that lacks a header the signature names', async () => {
    const request = withHeader(await sdkSigned(), 'x-amz-target', undefined);
    expect(await check(request)).toMatchObject({
      type: 'IncompleteSignatureException',
      message: 'Signed header x-amz-target is missing.',
    });
  });

  it('refuses a body that differs from the x-amz-content-sha256 it was signed with', async () => {
    const declared = createHash('sha256').update('{"UserPoolId":"x"}').digest('hex');
    const honest = await signerSigned({
      path: '/',
      headers: { 'x-amz-content-sha256': declared },
      body: '{"UserPoolId":"x"}',
    });
    expect(await check(honest)).toBeNull();
    // The signer trusts a declared hash: the signature would match this other body.
    const swapped = await signerSigned({
      path: '/',
      headers: { 'x-amz-content-sha256': declared },
      body: '{"UserPoolId":"evil"}',
    });
    expect(await check(swapped)).toMatchObject({
      type: 'InvalidSignatureException',
      message: 'The body does not match x-amz-content-sha256.',
    });
  });

  it('accepts a signed query string, repeated parameters and encoded characters included, and refuses it changed', async () => {
    const request = await signerSigned({ path: '/x', query: { b: 'two words', a: ['2', '1'], 'c/d': '~!' }, body: '' });
    expect(request.url).toContain('?');
    expect(await check(request)).toBeNull();
    expect(await check({ ...request, url: request.url.replace('two', 'too') })).toMatchObject({
      type: 'InvalidSignatureException',
    });
  });
});

describe('NodeSha256', () => {
  it('is SHA-256, and HMAC-SHA-256 given a secret, over strings and byte views alike', async () => {
    const plain = new NodeSha256();
    plain.update('hello ');
    plain.update(new TextEncoder().encode('world'));
    expect(Buffer.from(await plain.digest()).toString('hex')).toBe(
      createHash('sha256').update('hello world').digest('hex'),
    );

    const keyed = new NodeSha256(Buffer.from('key'));
    keyed.update('message');
    expect(Buffer.from(await keyed.digest()).toString('hex')).toBe(
      createHmac('sha256', 'key').update('message').digest('hex'),
    );
  });

  it('hashes only the bytes a view covers, not the whole buffer under it', async () => {
    const whole = new TextEncoder().encode('xxabcxx');
    const hash = new NodeSha256();
    hash.update(whole.subarray(2, 5));
    hash.update(new DataView(whole.buffer, 2, 3));
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(createHash('sha256').update('abcabc').digest('hex'));
  });

  it('starts over after reset, keeping its secret', async () => {
    const hash = new NodeSha256('key');
    hash.update('discarded');
    hash.reset();
    hash.update('message');
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(
      createHmac('sha256', 'key').update('message').digest('hex'),
    );
  });
});

describe('loadAccessKey', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'access-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates an AWS-shaped key once, owner-only, and returns the same key afterwards', () => {
    const key = loadAccessKey(dir);
    expect(key.accessKeyId).toMatch(/^AKIA[0-9A-F]{16}$/);
    expect(Buffer.from(key.secretAccessKey, 'base64')).toHaveLength(30);
    const file = path.join(dir, 'access-key.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadAccessKey(dir)).toEqual(key);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(key);
  });

  it('generates a different key for another data folder', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'access-key-'));
    try {
      expect(loadAccessKey(other).secretAccessKey).not.toBe(loadAccessKey(dir).secretAccessKey);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('tightens a key file an older version left world-readable', () => {
    const file = path.join(dir, 'access-key.json');
    writeFileSync(file, JSON.stringify(KEY), { mode: 0o644 });
    expect(loadAccessKey(dir)).toEqual(KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
