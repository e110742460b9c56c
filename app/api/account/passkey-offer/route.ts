import { z } from 'zod';
import { setSkipsPasskeyOffer } from '@/lib/cognito/users';
import { handleErrors, readBody } from '@/lib/http/respond';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const OfferChoice = z.object({ skip: z.boolean({ error: 'Send {"skip": true} or {"skip": false}.' }) });

/**
 * POST {skip: boolean}: "Don't ask again" for the passkey offer after a sign-in (skip: true), or
 * asking again (false), for the signed-in user's account. Like every POST under /api, the
 * middleware refuses it from another site; a JSON body cannot come from a plain HTML form.
 */
export const POST = handleErrors(async (request: Request) => {
  const user = await requireSession();
  const { skip } = await readBody(request, OfferChoice);
  await setSkipsPasskeyOffer(user.username, skip);
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
});
