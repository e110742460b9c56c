import { cookies } from 'next/headers';
import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { signInWithNativePasskey } from '@/lib/layers/cognito-native/sign-in';
import { replaceSession, writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** The response is any JSON: Cognito checks it, and a malformed one is refused as passkey_rejected. */
const PasskeyAnswer = z.object({ email: emailField, response: z.unknown().optional() });

/** POST {email, response}: the browser's assertion for the pending challenge; Cognito verifies it. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('native-sign-in');
  const { email, response } = await readBody(request, PasskeyAnswer, 16 * 1024);
  const signedIn = await signInWithNativePasskey(await cookies(), email, response);
  await replaceSession(signedIn.cookies);
  await writeCookies([signedIn.challengeCookie]);
  const { user } = signedIn;
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
