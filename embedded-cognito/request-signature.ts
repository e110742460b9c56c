import { createHash, createHmac, randomBytes, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { writePrivateFile } from './private-files';

/**
 * Proof that a request to the embedded Cognito comes from the app (or a tool the developer
 * gave the credentials to): the AWS SigV4 signature the SDK and the AWS CLI make, checked with
 * an access key generated once into the data folder. A web page in the developer's browser or
 * another local process does not have the key, so it gets nothing but an AWS-shaped 403.
 *
 * The expected signature is computed by the SDK's own signer (@smithy/signature-v4) over the
 * request as received, restricted to the headers the client says it signed, and compared in
 * constant time: the canonical request is built by the same code that signs the app's calls.
 */

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Refusal {
  status: number;
  type: string;
  message: string;
}

/** As AWS: a signature dated more than 5 minutes from the server's clock is refused (no replay of old requests). */
export const SIGNATURE_MAX_SKEW_MS = 5 * 60_000;

const SERVICE = 'cognito-idp';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const refuse = (type: string, message: string): Refusal => ({ status: 403, type, message });

/** The access key of the emulator in `<stateDir>/access-key.json`, generated on first use. */
export function loadAccessKey(stateDir: string): AccessKey {
  const file = path.join(stateDir, 'access-key.json');
  if (!existsSync(file)) {
    const generated: AccessKey = {
      // The shape of an AWS access key id (AKIA + 16 upper-case characters), so tools accept it.
      accessKeyId: `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
    };
    writePrivateFile(file, JSON.stringify(generated, null, 2));
  }
  chmodSync(file, 0o600);
  return JSON.parse(readFileSync(file, 'utf8')) as AccessKey;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 (or HMAC-SHA-256 given a key) from node:crypto, in the shape the SigV4 signer takes. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** null when the request carries a valid, fresh signature by `key`; else why it is refused. */
export async function checkSignature(
  request: ReceivedRequest,
  key: AccessKey,
  now = Date.now(),
): Promise<Refusal | null> {
  const authorization = header(request, 'authorization');
  if (!authorization) return refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) return refuse('IncompleteSignatureException', 'The request signature is malformed.');
  const [, accessKeyId, scopeDate, region, service, signedList, signature] = parsed as unknown as string[];
  if (
    !timingSafeEqual(
      createHash('sha256').update(accessKeyId!).digest(),
      createHash('sha256').update(key.accessKeyId).digest(),
    )
  ) {
    return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (service !== SERVICE) {
    return refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${SERVICE}'.`);
  }
  const amzDate = header(request, 'x-amz-date') ?? '';
  const date = AMZ_DATE.exec(amzDate);
  if (!date || amzDate.slice(0, 8) !== scopeDate) {
    return refuse('IncompleteSignatureException', 'X-Amz-Date is missing, malformed or outside the credential scope.');
  }
  const [, year, month, day, hour, minute, second] = date.map(Number) as number[];
  const signingDate = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  if (Math.abs(now - signingDate.getTime()) > SIGNATURE_MAX_SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is more than 5 minutes from the server's time.`,
    );
  }
  const signedHeaders = signedList!.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return refuse('IncompleteSignatureException', 'The signed headers must include host and x-amz-date.');
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request, name);
    if (value === undefined) return refuse('IncompleteSignatureException', `Signed header ${name} is missing.`);
    headers[name] = value;
  }
  // The signer would trust a declared body hash instead of hashing the body: check it here.
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    return refuse('InvalidSignatureException', 'The body does not match x-amz-content-sha256.');
  }
  const queryAt = request.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(queryAt < 0 ? '' : request.url.slice(queryAt + 1))) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    credentials: key,
    region: region!,
    service: SERVICE,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host!,
      path: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
      query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization ?? ''))?.[1] ?? '';
  if (
    expectedSignature.length !== signature!.length ||
    !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature!))
  ) {
    return refuse(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return null;
}
