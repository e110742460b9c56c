import { z } from 'zod';

const MAX_EMAIL_LENGTH = 254;
// Printable ASCII without spaces, quotes, brackets or separators; one @; a dotted domain.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** The canonical (trimmed, lower-case) email, or null when it is not a plausible address. */
export function normalizeEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const email = input.trim();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return null;
  // Check before lower-casing: the Kelvin sign U+212A lower-cases to an ASCII `k`.
  return EMAIL.test(email) ? email.toLowerCase() : null;
}

const INVALID_EMAIL = 'Enter a valid email address.';

/**
 * The `email` field of a request body schema (lib/http/body.ts): parses to the canonical email,
 * and refuses anything normalizeEmail would not accept, telling the user what to fix.
 */
export const emailField = z.string({ error: INVALID_EMAIL }).transform((input, context) => {
  const email = normalizeEmail(input);
  if (email) return email;
  context.addIssue({ code: 'custom', message: INVALID_EMAIL });
  return z.NEVER;
});
