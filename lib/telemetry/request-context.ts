import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { annotateActiveSpan } from './tracing';

/**
 * The request id of the request being served, so every log line can carry it. middleware.ts
 * gives each request a fresh id (never the client's) in the `x-request-id` header; route
 * handlers run inside it (lib/http/respond.ts handleErrors).
 */
const storage = new AsyncLocalStorage<{ requestId: string }>();

export const REQUEST_ID_HEADER = 'x-request-id';

export function newRequestId(): string {
  return randomUUID();
}

/** The id middleware assigned, or a fresh one when the request did not pass through it. */
export function requestIdOf(headers: Headers): string {
  const id = headers.get(REQUEST_ID_HEADER);
  return id && /^[0-9a-f-]{36}$/.test(id) ? id : newRequestId();
}

/**
 * Runs `run` with `requestId` as the current request id. The active span (Next's span for the
 * middleware or the route handler) gets it as `app.request_id`, so a trace leads to its log lines.
 */
export function runWithRequestId<T>(requestId: string, run: () => T): T {
  annotateActiveSpan({ 'app.request_id': requestId });
  return storage.run({ requestId }, run);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
