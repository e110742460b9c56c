import { z } from 'zod';

/**
 * The building blocks of the schemas (schema.ts). Every message is the problem only, worded to
 * follow the variable's name ("SESSION_SECRET must be at least 32 characters long"): no message
 * ever contains the value, which may be a secret.
 */

/** The environment as the schemas read it: each value trimmed, a blank one unset. */
export type Env = Record<string, string | undefined>;

export function trimmed(env: Env): Env {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value?.trim() || undefined]));
}

/** Reports `message` (against `path` when the check spans variables) and ends the transform. */
export function fail(ctx: z.RefinementCtx, message: string, path?: string[]): never {
  ctx.addIssue({ code: 'custom', message, ...(path ? { path } : {}) });
  return z.NEVER;
}

/** A variable that must be set; `why` says what to set it to. */
export const required = (why: string) => z.string({ error: `is missing: ${why}` });

export const optional = () => z.string().optional();

/** `1` or `0`; unset is off. */
export const flag = () =>
  z
    .enum(['0', '1'], { error: 'must be 1 or 0' })
    .optional()
    .transform((value) => value === '1');

export const region = () => z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'is malformed (expected e.g. eu-central-1)');

/** A whole number of seconds, at least `min`; `fallback` when unset. */
export const seconds = (fallback: number, min: number) =>
  z
    .string()
    .refine((raw) => /^\d+$/.test(raw) && Number(raw) >= min, `must be a whole number of seconds, at least ${min}`)
    .transform(Number)
    .optional()
    .transform((value) => value ?? fallback);

/** A positive number (a rate, a wait); `fallback` when unset; `what` names the unit. */
export const positive = (fallback: number, what: string) =>
  z
    .string()
    .refine((raw) => /^\d+(\.\d+)?$/.test(raw) && Number(raw) > 0, `must be a positive number (${what})`)
    .transform(Number)
    .optional()
    .transform((value) => value ?? fallback);

/** scheme://host[:port] of an http(s) URL with nothing after it; the problem otherwise. */
export function originOf(value: string): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not a URL (expected e.g. https://app.example.com)' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'must be an http(s) URL' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    return { problem: 'must be an origin only: scheme, host and port, no path' };
  }
  return { origin: url.origin };
}

/** A base URL of an API or emulator: an origin, trailing slashes dropped (Corbado's SDK wants none). */
export const baseUrl = () =>
  z.string().transform((value, ctx) => {
    const result = originOf(value.replace(/\/+$/, ''));
    return 'origin' in result ? result.origin : fail(ctx, result.problem);
  });
