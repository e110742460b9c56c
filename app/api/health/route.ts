import { checkHealth } from '@/lib/readiness';
import { handleErrors, jsonResponse } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/**
 * GET: readiness. Whether Cognito, the passkey layer, its store and Redis answer. 503 only when
 * the instance cannot serve (Cognito or the store is down); Redis or Corbado down is a 200 whose
 * body says `degraded` (docs/DEPLOYMENT.md, Health). Liveness alone: /api/health/live.
 */
export const GET = handleErrors(async () => {
  const health = await checkHealth();
  return jsonResponse(health, health.ready ? 200 : 503);
});
