import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { rememberCodeRequester } from '@/lib/email/code-requester';
import { sendEmailCode } from '@/lib/email/codes';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const CodeRequest = z.object({ email: emailField });

/**
 * POST {email}: sends a one-time code. The answer is the same whether or not an account exists;
 * the browser that asked is remembered, so a wrong try can tell it how many tries are left.
 */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('email-code');
  const { email } = await readBody(request, CodeRequest);
  await sendEmailCode(email, clientAddress(request.headers));
  await writeCookies([await rememberCodeRequester(email)]);
  return jsonResponse({ sent: true }, 202);
});
