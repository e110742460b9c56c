import { setSkipsPasskeyOffer } from '@/lib/cognito/users';
import { AppError } from '@/lib/errors';
import { handleErrors, readJsonObject } from '@/lib/http/respond';
import { requireUser } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/**
 * POST {skip: boolean}: "Don't ask again" for the passkey offer after a sign-in (skip: true), or
 * asking again (false), for the signed-in user's account. Like every POST under /api, the
 * middleware refuses it from another site; a JSON body cannot come from a plain HTML form.
 */
export const POST = handleErrors(async (request: Request) => {
  const user = await requireUser();
  const { skip } = await readJsonObject(request);
  if (typeof skip !== 'boolean') throw new AppError('invalid_request', 'Send {"skip": true} or {"skip": false}.');
  await setSkipsPasskeyOffer(user.username, skip);
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
});
