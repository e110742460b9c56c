import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { CognitoError, UnsupportedError } from 'cognito-local/lib/errors';
import type { Context } from 'cognito-local/lib/services/context';
import { checkSignature, type AccessKey, type Refusal } from './request-signature';

/**
 * The emulator's HTTP face, in place of cognito-local's express server: Cognito's JSON API
 * (`POST /` with X-Amz-Target) for signed requests only, and the pool's public well-known
 * documents. No CORS (cognito-local answered every preflight with `*`, letting any web page in
 * the developer's browser call it) and no OAuth2 routes; an error never echoes internals.
 */

type Route = (ctx: Context, req: object) => Promise<object>;

export interface CognitoApiOptions {
  route: (target: string) => Route;
  ctx: Context;
  accessKey: AccessKey;
  /** The clock a request's X-Amz-Date is checked against, in ms since the epoch. */
  now: () => number;
  /** The body of `GET /<poolId>/.well-known/<document>`, public as at AWS. */
  wellKnown: (poolId: string, document: 'jwks.json' | 'openid-configuration') => object;
}

/** Larger than any Cognito request the app makes (its largest carry a ~2 KB refresh token). */
const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.1';

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  // cognito-local's wire format: dates as epoch seconds.
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? Math.floor(raw.getTime() / 1000) : value;
  });
  res.writeHead(status, { 'content-type': status === 200 ? JSON_TYPE : 'application/json', ...headers });
  res.end(text);
}

const fail = (res: ServerResponse, { status, type, message }: Refusal, headers?: Record<string, string>) =>
  answer(res, status, { __type: type, message }, headers);

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function cognitoApi(options: CognitoApiOptions): RequestListener {
  const { ctx } = options;
  return (req, res) => {
    const wellKnown = /^\/([\w-]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(req.url ?? '');
    if (req.method === 'GET' && wellKnown) {
      const [, poolId, document] = wellKnown;
      answer(res, 200, options.wellKnown(poolId!, document as 'jwks.json' | 'openid-configuration'), {
        'content-type': 'application/json',
        'cache-control': 'max-age=3600',
      });
      return;
    }
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      // Preflights included: no Access-Control-* header is ever sent, so browsers block cross-origin calls.
      fail(
        res,
        { status: 405, type: 'UnknownOperationException', message: 'Only signed POST requests to / are served.' },
        { allow: 'POST' },
      );
      return;
    }
    void handle(options, req, res).catch((error: Error) => {
      ctx.logger.error(error, 'embedded Cognito: request failed');
      if (!res.headersSent)
        fail(res, { status: 500, type: 'InternalErrorException', message: 'Internal server error' });
    });
  };
}

async function handle(options: CognitoApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (!body) {
    fail(res, { status: 413, type: 'SerializationException', message: 'Request body too large.' });
    return;
  }
  const refusal = await checkSignature(
    { method: 'POST', url: req.url ?? '/', headers: req.headers, body },
    options.accessKey,
    options.now(),
  );
  if (refusal) {
    options.ctx.logger.warn(`embedded Cognito: refused an unauthenticated request (${refusal.type})`);
    fail(res, refusal);
    return;
  }
  const targetHeader = req.headers['x-amz-target'];
  const target = typeof targetHeader === 'string' ? targetHeader.split('.')[1] : undefined;
  if (!target) {
    fail(res, { status: 400, type: 'UnknownOperationException', message: 'Missing or invalid X-Amz-Target header.' });
    return;
  }
  let input: unknown;
  try {
    input = (req.headers['content-type'] ?? '').startsWith(JSON_TYPE)
      ? JSON.parse(body.toString('utf8') || '{}')
      : null;
  } catch {
    input = null;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    fail(res, { status: 400, type: 'SerializationException', message: `Expected a JSON object as ${JSON_TYPE}.` });
    return;
  }
  try {
    answer(res, 200, await options.route(target)(options.ctx, input));
  } catch (error) {
    if (error instanceof CognitoError) {
      options.ctx.logger.warn(error, `Error handling target: ${target}`);
      fail(res, { status: 400, type: error.code, message: error.message });
    } else if (error instanceof UnsupportedError) {
      fail(res, {
        status: 500,
        type: 'CognitoLocal#Unsupported',
        message: `Cognito Local unsupported feature: ${error.message}`,
      });
    } else {
      options.ctx.logger.error(error, `Error handling target: ${target}`);
      fail(res, { status: 500, type: 'InternalErrorException', message: 'Internal server error' });
    }
  }
}
