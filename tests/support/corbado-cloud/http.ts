import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler answers: a status and, unless 204, a JSON body. */
export interface Reply {
  status: number;
  body?: unknown;
}

export class BadRequest extends Error {
  constructor(readonly reply: Reply) {
    super(`bad request (${reply.status})`);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Corbado's error shape (common.yml `errorRsp`, the same on the Frontend and the Backend API):
 * the component reads `error.type`; the rest is what Corbado sends beside it.
 */
export function apiError(status: number, type: string, details?: string): Reply {
  return {
    status,
    body: {
      httpStatusCode: status,
      message: details ?? type,
      requestData: { requestID: `req-${randomBytes(8).toString('hex')}`, link: '' },
      runtime: 0,
      error: { type, ...(details ? { details } : {}), links: [] },
    },
  };
}

/** The request's JSON object body; anything else (too big, not JSON, not an object) is a 400. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(apiError(413, 'request_too_large'));
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest(apiError(400, 'invalid_json'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest(apiError(400, 'invalid_json', 'the body must be a JSON object'));
  }
  return parsed as Record<string, unknown>;
}

/** A required string field of 1..max characters, else a validation error naming the field. */
export function requireString(body: Record<string, unknown>, field: string, max = 4096): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new BadRequest(
      apiError(400, 'validation_error', `${field} must be a non-empty string of at most ${max} characters`),
    );
  }
  return value;
}

/** A required string field from a fixed list (an enum of the installed client), else a validation error. */
export function requireOneOf(body: Record<string, unknown>, field: string, allowed: readonly string[]): string {
  const value = body[field];
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new BadRequest(apiError(400, 'validation_error', `${field} must be one of ${allowed.join(', ')}`));
  }
  return value;
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(reply.body));
}
