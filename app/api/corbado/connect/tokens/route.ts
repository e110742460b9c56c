import { connectTokenFor } from '@/lib/corbado/connect/tokens';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireUser } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST {type}: a Corbado Connect token (passkey-append, -list, -delete) for the signed-in user. */
export const POST = handleErrors(async (request: Request) => {
  const user = await requireUser();
  const body = await readJsonObject(request);
  return jsonResponse({ token: await connectTokenFor(user, body.type) });
});
