import { z } from 'zod';
import { requireRoute } from '@/lib/layers';
import { connectTokenFor } from '@/lib/layers/corbado-connect/tokens';
import { parseBody } from '@/lib/http/body';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const TokenRequest = z.object({
  type: z.enum(['passkey-append', 'passkey-list', 'passkey-delete'], {
    error: 'type must be passkey-append, passkey-list or passkey-delete.',
  }),
});

/** POST {type}: a Corbado Connect token (passkey-append, -list, -delete) for the signed-in user. */
export const POST = handleErrors(async (request: Request) => {
  const user = await requireSession();
  const body = await readJsonObject(request);
  // Before the type, as always: a deployment without Connect answers corbado_disabled to any
  // readable body (so the body is read, then the layer asked, then the schema applied).
  requireRoute('connect-tokens');
  const { type } = parseBody(TokenRequest, body);
  return jsonResponse({ token: await connectTokenFor(user, type, clientAddress(request.headers)) });
});
