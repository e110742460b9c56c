import { checkHealth } from '@/lib/health';
import { handleErrors, jsonResponse } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/** GET: liveness, and whether Cognito and the passkey layer answer. 503 when one does not. */
export const GET = handleErrors(async () => {
  const health = await checkHealth();
  return jsonResponse(health, health.status === 'ok' ? 200 : 503);
});
