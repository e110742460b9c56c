import { answerPostAppend, authenticateAction, PostAppendBody } from '@/lib/layers/corbado-connect/actions';
import { requireRoute } from '@/lib/layers';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/** POST {username, credentialId}, from Corbado after an append: 204, or 404 {error: "user_not_found"}. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('connect-actions');
  await authenticateAction(request.headers.get('authorization'), clientAddress(request.headers));
  const recorded = await answerPostAppend(await readBody(request, PostAppendBody));
  return recorded
    ? new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } })
    : jsonResponse({ error: 'user_not_found' }, 404);
});
