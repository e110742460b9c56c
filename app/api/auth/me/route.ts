import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** GET: the signed-in user, or 401. */
export const GET = handleErrors(async () => {
  const user = await requireSession();
  return jsonResponse({
    email: user.email,
    sub: user.sub,
    method: user.method,
    authTime: user.authTime,
  });
});
