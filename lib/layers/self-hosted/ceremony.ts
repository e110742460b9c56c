import 'server-only';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { getConfig } from '../../config';
import { passkeyStore } from '../../store';
import type { CeremonyPurpose } from '../../store/passkey-store';
import type { CookieReader, CookieToSet } from '../../session/cookies';

/**
 * WebAuthn ceremony challenges: single-use, valid for 5 minutes, and bound to the browser
 * that asked for them through an httpOnly cookie, so a challenge taken from one browser cannot
 * be answered from another.
 */

export type { CeremonyPurpose } from '../../store/passkey-store';
export const CEREMONY_SECONDS = 300;

function cookieName(): string {
  const origin = new URL(getConfig().appOrigin);
  return origin.protocol === 'https:' || origin.hostname === 'localhost' ? '__Host-ceremony' : 'ceremony';
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

const mac = (nonce: string, secret: string) =>
  createHmac('sha256', secret).update(`ceremony\n${nonce}`).digest('base64url');

/**
 * The browser's binding: `<nonce>.<HMAC of it>`, made only here. A browser keeps its value
 * across ceremonies (two tabs, autofill beside a button), but a value the client chose is never
 * adopted: whoever planted it would share the binding of the challenges issued under it.
 */
function serverMadeBinding(existing: string | undefined): string {
  const { sealWith, openWith } = getConfig().session;
  const [nonce, given] = existing?.split('.') ?? [];
  if (nonce && given && /^[\w-]{43}$/.test(nonce) && /^[\w-]{43}$/.test(given)) {
    const valid = Object.values(openWith).some((secret) =>
      timingSafeEqual(Buffer.from(mac(nonce, secret)), Buffer.from(given)),
    );
    if (valid) return existing!;
  }
  const fresh = randomBytes(32).toString('base64url');
  return `${fresh}.${mac(fresh, Object.values(sealWith)[0]!)}`;
}

/** Records a challenge for this browser; returns the cookie that identifies the browser. */
export async function rememberChallenge(
  cookies: CookieReader,
  purpose: CeremonyPurpose,
  challenge: string,
  userSub: string | null,
): Promise<CookieToSet> {
  const browser = serverMadeBinding(cookies.get(cookieName())?.value);
  await passkeyStore().saveChallenge({
    browserHash: hash(browser),
    purpose,
    challenge,
    userSub,
    expiresAt: Date.now() + CEREMONY_SECONDS * 1000,
  });
  const origin = new URL(getConfig().appOrigin);
  return {
    name: cookieName(),
    value: browser,
    options: {
      httpOnly: true,
      secure: origin.protocol === 'https:' || origin.hostname === 'localhost',
      sameSite: 'lax',
      path: '/',
      maxAge: CEREMONY_SECONDS,
    },
  };
}

/**
 * Takes (and so uses up) the unexpired challenge this browser was given for `purpose`, if the
 * response names it; null otherwise.
 */
export async function takeChallenge(
  cookies: CookieReader,
  purpose: CeremonyPurpose,
  claimedChallenge: string,
): Promise<{ challenge: string; userSub: string | null } | null> {
  const browser = cookies.get(cookieName())?.value;
  if (!browser || !claimedChallenge) return null;
  const row = await passkeyStore().takeChallenge(hash(browser), purpose, claimedChallenge);
  // The store may keep an expired challenge a while (DynamoDB's TTL is late): refused here.
  if (!row || row.expiresAt < Date.now()) return null;
  return { challenge: row.challenge, userSub: row.userSub };
}
