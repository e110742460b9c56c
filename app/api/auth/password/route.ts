import { z } from 'zod';
import { emailField } from '@/lib/email/address';
import { signInWithPasswordCredentials } from '@/lib/sign-in/pipeline';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const ENTER_YOUR_PASSWORD = 'Enter your password.';
/** Cognito takes passwords of at most 256 characters; a longer one is refused before any call. */
const PasswordSignIn = z.object({
  email: emailField,
  password: z
    .string({ error: ENTER_YOUR_PASSWORD })
    .min(1, { error: ENTER_YOUR_PASSWORD })
    .max(256, { error: ENTER_YOUR_PASSWORD }),
});

/** POST {email, password}: sign-in for users who had a Cognito password before passkeys. */
export const POST = handleErrors(async (request: Request) => {
  const { email, password } = await readBody(request, PasswordSignIn);
  const { user, cookies } = await signInWithPasswordCredentials(email, password, clientAddress(request.headers));
  await replaceSession(cookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
