import { checkHealth } from '@/lib/telemetry/health';
import { handleErrors, jsonResponse } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/**
 * GET: readiness. Whether Cognito, the passkey layer, its store and Redis answer; 503 naming
 * the one that does not. Liveness alone: /api/health/live.
 */
export const GET = handleErrors(async () => {
  const health = await checkHealth();
  return jsonResponse(health, health.status === 'ok' ? 200 : 503);
});
