import type { z } from 'zod';
import { AppError } from '../errors';

/**
 * Request bodies are checked against a zod schema that each route declares (readBody in
 * ./respond.ts reads the body first). A refusal is the `invalid_request` answer clients have
 * always had: the message of the first issue zod reports, which is the first field in the
 * schema's key order that fails, and within a field the first of its checks. So a schema lists
 * its fields in the order they should be reported, and puts the client's message on each
 * (`{ error: '...' }`).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  // A field that sets no message of its own gets this one: zod's default wording is not part
  // of the API and may change with its versions.
  const result = schema.safeParse(body, { error: (issue) => fallbackMessage(issue.path) });
  if (result.success) return result.data;
  throw new AppError('invalid_request', result.error.issues[0]?.message ?? fallbackMessage([]));
}

function fallbackMessage(path: readonly PropertyKey[] | undefined): string {
  const field = (path ?? []).map(String).join('.');
  return field ? `${field} is not valid.` : 'The request body is not valid.';
}
