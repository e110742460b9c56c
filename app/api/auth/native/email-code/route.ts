import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { sendNativeEmailCode } from '@/lib/layers/cognito-native/sign-in';
import { writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const CodeRequest = z.object({ email: emailField });

/**
 * POST {email}: Cognito emails a one-time code (USER_AUTH, EMAIL_OTP); a new email gets its
 * account first. The answer is the same whether or not an account existed.
 */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('native-sign-in');
  const { email } = await readBody(request, CodeRequest);
  await writeCookies([await sendNativeEmailCode(email, clientAddress(request.headers))]);
  return jsonResponse({ sent: true }, 202);
});
