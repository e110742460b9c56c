import { requireEmail } from '@/lib/auth/email';
import { sendEmailCode } from '@/lib/email/codes';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireEmailCodeSignIn } from '@/lib/passkeys/mode';

export const dynamic = 'force-dynamic';

/** POST {email}: sends a one-time code. The answer is the same whether or not an account exists. */
export const POST = handleErrors(async (request: Request) => {
  requireEmailCodeSignIn();
  const body = await readJsonObject(request);
  const email = requireEmail(body.email);
  await sendEmailCode(email, clientAddress(request.headers));
  return jsonResponse({ sent: true }, 202);
});
