import { handleCorbadoWebhook, WEBHOOK_MAX_BYTES } from '@/lib/layers/corbado-complete/webhook';
import { authenticateWebhook } from '@/lib/layers/corbado-complete/webhook-auth';
import { AppError } from '@/lib/errors';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse, readJsonObject, responseForError } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/**
 * POST: Corbado's webhook (existing-user-base actions and event notifications). Basic auth is
 * checked before the body is read; middleware lets it through the cross-site check, since
 * Corbado calls it server to server.
 */
export const POST = handleErrors(async (request: Request) => {
  try {
    authenticateWebhook(request.headers.get('authorization'));
  } catch (error) {
    const response = responseForError(error);
    if (error instanceof AppError && error.code === 'webhook_unauthorized') {
      response.headers.set('www-authenticate', 'Basic realm="corbado-webhook", charset="UTF-8"');
    }
    return response;
  }
  const body = await readJsonObject(request, WEBHOOK_MAX_BYTES);
  const answer = await handleCorbadoWebhook({
    body,
    actionHeader: request.headers.get('x-corbado-action'),
    eventHeader: request.headers.get('x-corbado-webhook-event'),
    clientAddress: clientAddress(request.headers),
  });
  return jsonResponse(answer);
});
