import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { startNativePasskeySignIn } from '@/lib/layers/cognito-native/sign-in';
import { writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const PasskeyStart = z.object({ email: emailField });

/**
 * POST {email}: Cognito's options for a passkey sign-in of this email (USER_AUTH, WEB_AUTHN);
 * Cognito's session stays sealed in this browser's cookie for the answer.
 */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('native-sign-in');
  const { email } = await readBody(request, PasskeyStart);
  const { options, cookie } = await startNativePasskeySignIn(email, clientAddress(request.headers));
  await writeCookies([cookie]);
  return jsonResponse({ options });
});
