import { requireEmail } from '@/lib/auth/email';
import { signInWithEmailCode } from '@/lib/auth/pipeline';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireEmailCodeSignIn } from '@/lib/passkeys/mode';
import { listPasskeys } from '@/lib/passkeys/credentials';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST {email, code}: signs in (or up) with the emailed code. */
export const POST = handleErrors(async (request: Request) => {
  requireEmailCodeSignIn();
  const body = await readJsonObject(request);
  const email = requireEmail(body.email);
  const { user, cookies } = await signInWithEmailCode(email, body.code);
  await replaceSession(cookies);
  return jsonResponse({
    user: { email: user.email, sub: user.sub, method: user.method },
    hasPasskey: (await listPasskeys(user.sub)).length > 0,
  });
});
