import 'server-only';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { openCookie, sealCookie, type CookieReader, type CookieToSet } from '../session/cookies';
import { CODE_TTL_SECONDS } from './codes';

/**
 * The browser that asked for an email's code, remembered in a sealed httpOnly cookie for the
 * code's lifetime. Only that browser is told what a wrong try found ("4 tries left", "expired",
 * "used up"): anyone else who types a code for that email reads the one answer everybody always
 * got, so guessing at another person's address never reveals that a code is pending for it,
 * i.e. that they are signing in right now (docs/SECURITY.md, enumeration).
 */

function cookieName(): string {
  const origin = new URL(getConfig().appOrigin);
  return origin.protocol === 'https:' || origin.hostname === 'localhost' ? '__Host-email-code' : 'email-code';
}

/** The cookie that marks this browser as the one that asked for `email`'s code. */
export function rememberCodeRequester(email: string): Promise<CookieToSet> {
  return sealCookie(cookieName(), { email }, CODE_TTL_SECONDS);
}

export async function isCodeRequester(cookies: CookieReader, email: string): Promise<boolean> {
  const sealed = await openCookie<{ email: string }>(cookies, cookieName());
  return sealed?.email === email;
}

/** A refused code as another browser must see it: the plain invalid_code, whatever the try found. */
export function withoutCodeDetails(error: unknown): unknown {
  return error instanceof AppError && error.code === 'invalid_code' ? new AppError('invalid_code') : error;
}
