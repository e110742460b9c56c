import { handleErrors, jsonResponse } from '@/lib/http/respond';

export const dynamic = 'force-dynamic';

/** GET: liveness. The process serves requests; no dependency is asked (readiness: /api/health). */
export const GET = handleErrors(async () => jsonResponse({ status: 'live' }));
