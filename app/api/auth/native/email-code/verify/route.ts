import { cookies } from 'next/headers';
import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { signInWithNativeEmailCode } from '@/lib/layers/cognito-native/sign-in';
import { replaceSession, writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** Any JSON (or none) as the code: a code that is not digits is refused as invalid_code. */
const CodeSignIn = z.object({ email: emailField, code: z.unknown().optional() });

/** POST {email, code}: signs in (or up) with the code Cognito emailed; says whether to offer a passkey. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('native-sign-in');
  const { email, code } = await readBody(request, CodeSignIn);
  const signedIn = await signInWithNativeEmailCode(await cookies(), email, code);
  await replaceSession(signedIn.cookies);
  await writeCookies([signedIn.challengeCookie]);
  const { user, hasPasskey, offerPasskey } = signedIn;
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method }, hasPasskey, offerPasskey });
});
