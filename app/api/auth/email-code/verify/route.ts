import { cookies } from 'next/headers';
import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { signInWithEmailCode } from '@/lib/sign-in/pipeline';
import { isCodeRequester, withoutCodeDetails } from '@/lib/email/code-requester';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { passkeyOfferFor } from '@/lib/layers/self-hosted/offer';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const CodeSignIn = z.object({
  email: emailField,
  /**
   * Any JSON (or none): consumeEmailCode (lib/email/codes.ts) refuses a code that is not six
   * digits as `invalid_code` and counts it as a failed sign-in (audit log, telemetry), as it does
   * a wrong code. Refusing it here would answer `invalid_request` instead, and count nothing.
   */
  code: z.unknown().optional(),
});

/**
 * POST {email, code}: signs in (or up) with the emailed code. A refused code says what the try
 * found (tries left, expired, used up) only to the browser that asked for the code.
 */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('email-code');
  const { email, code } = await readBody(request, CodeSignIn);
  const requester = await isCodeRequester(await cookies(), email);
  const { user, cookies: sessionCookies } = await signInWithEmailCode(email, code).catch((error: unknown) => {
    throw requester ? error : withoutCodeDetails(error);
  });
  await replaceSession(sessionCookies);
  return jsonResponse({
    user: { email: user.email, sub: user.sub, method: user.method },
    ...(await passkeyOfferFor(user)),
  });
});
