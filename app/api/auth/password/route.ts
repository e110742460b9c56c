import { requireEmail } from '@/lib/auth/email';
import { signInWithPasswordCredentials } from '@/lib/auth/pipeline';
import { AppError } from '@/lib/errors';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST {email, password}: sign-in for users who had a Cognito password before passkeys. */
export const POST = handleErrors(async (request: Request) => {
  const body = await readJsonObject(request);
  const email = requireEmail(body.email);
  const password = body.password;
  if (typeof password !== 'string' || password.length === 0 || password.length > 256) {
    throw new AppError('invalid_request', 'Enter your password.');
  }
  const { user, cookies } = await signInWithPasswordCredentials(email, password, clientAddress(request.headers));
  await replaceSession(cookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
