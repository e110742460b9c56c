import { cookies } from 'next/headers';
import { requireEmail } from '@/lib/auth/email';
import { signInWithEmailCode } from '@/lib/auth/pipeline';
import { isCodeRequester, withoutCodeDetails } from '@/lib/email/code-requester';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireEmailCodeSignIn } from '@/lib/passkeys/mode';
import { passkeyOfferFor } from '@/lib/passkeys/offer';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/**
 * POST {email, code}: signs in (or up) with the emailed code. A refused code says what the try
 * found (tries left, expired, used up) only to the browser that asked for the code.
 */
export const POST = handleErrors(async (request: Request) => {
  requireEmailCodeSignIn();
  const body = await readJsonObject(request);
  const email = requireEmail(body.email);
  const requester = await isCodeRequester(await cookies(), email);
  const { user, cookies: sessionCookies } = await signInWithEmailCode(email, body.code).catch((error: unknown) => {
    throw requester ? error : withoutCodeDetails(error);
  });
  await replaceSession(sessionCookies);
  return jsonResponse({
    user: { email: user.email, sub: user.sub, method: user.method },
    ...(await passkeyOfferFor(user)),
  });
});
