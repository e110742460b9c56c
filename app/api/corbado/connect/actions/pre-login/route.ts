import { answerPreLogin, authenticateAction, PreLoginBody } from '@/lib/layers/corbado-connect/actions';
import { requireRoute } from '@/lib/layers';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/** POST {identifier}, from Corbado: 200 {username} or 404 {error: "user_not_found"}. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('connect-actions');
  await authenticateAction(request.headers.get('authorization'), clientAddress(request.headers));
  const username = await answerPreLogin(await readBody(request, PreLoginBody));
  return username ? jsonResponse({ username }) : jsonResponse({ error: 'user_not_found' }, 404);
});
