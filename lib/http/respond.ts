import 'server-only';
import type { z } from 'zod';
import { AppError, ERRORS, type ErrorCode } from '../errors';
import { log } from '../telemetry/log';
import { requestIdOf, runWithRequestId } from '../telemetry/request-context';
import { parseBody } from './body';
import { readCappedText } from './capped-body';

const NO_STORE = { 'cache-control': 'no-store' };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

/** When a 503 does not say otherwise, clients are told to try again after this long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * `retry`: the request may be sent again unchanged after Retry-After (Cognito's quota held it
 * back); the body says `retry: true` and lib/client/api.ts then retries on its own.
 */
export function errorResponse(
  code: ErrorCode,
  message: string = ERRORS[code].message,
  retryAfterSeconds?: number,
  retry = false,
): Response {
  const status = ERRORS[code].status;
  // Every 503 tells when to try again, so clients and proxies back off instead of hammering.
  const retryAfter = retryAfterSeconds ?? (status === 503 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  const headers: Record<string, string> = retryAfter ? { 'retry-after': String(retryAfter) } : {};
  return jsonResponse({ error: { code, message }, ...(retry ? { retry: true } : {}) }, status, headers);
}

/** Maps anything a handler throws to a short JSON answer; internals go to the log only. */
export function responseForError(error: unknown): Response {
  if (error instanceof AppError)
    return errorResponse(error.code, error.userMessage, error.retryAfterSeconds, error.retry);
  log.error('unhandled_error', { error });
  return errorResponse('internal');
}

/**
 * Thin route handlers: parse, call one function, and let this map any failure. The handler
 * runs under the request's id, so its log lines carry it.
 */
export function handleErrors<A extends [Request, ...unknown[]]>(handler: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> =>
    runWithRequestId(requestIdOf(args[0].headers), async () => {
      try {
        return await handler(...args);
      } catch (error) {
        return responseForError(error);
      }
    });
}

/** The request's JSON object body, refusing other content types, oversized and malformed bodies. */
export async function readJsonObject(request: Request, maxBytes = 8 * 1024): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new AppError('unsupported_media_type');
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new AppError('payload_too_large');
  const text = await readCappedText(request.body, maxBytes, () => new AppError('payload_too_large'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid_request', 'The request body must be a JSON object.');
  }
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new AppError('invalid_request', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return body as Record<string, unknown>;
}

/**
 * The request's body, checked by readJsonObject's guards (same refusals, same order) and then
 * against the route's schema: its parsed (typed, normalized) value, or a 400 `invalid_request`
 * with the message of the first field that fails (see ./body.ts).
 */
export async function readBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes?: number,
): Promise<z.output<S>> {
  return parseBody(schema, await readJsonObject(request, maxBytes));
}

/**
 * No body the app accepts comes near this (a WebAuthn response is 3 levels deep). Checked before
 * any handler walks a body recursively (hashing, validation), where 5,000 levels in a 16 KB
 * webhook event overflowed the stack.
 */
export const MAX_JSON_DEPTH = 32;

/** Without recursion: the walk itself must not be the thing that overflows. */
function nestedDeeperThan(value: object, maxDepth: number): boolean {
  const pending: Array<[object, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
