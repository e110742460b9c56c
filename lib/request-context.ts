import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

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

export function runWithRequestId<T>(requestId: string, run: () => T): T {
  return storage.run({ requestId }, run);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
