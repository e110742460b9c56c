import { cookies } from 'next/headers';
import { signInWithCorbadoSession } from '@/lib/layers/corbado-complete/sign-in';
import { CORBADO_SESSION_COOKIE, corbadoTokenFrom } from '@/lib/layers/corbado-complete/session-token';
import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/**
 * POST: Corbado mode. Exchanges the Corbado session token (`Authorization: Bearer`, or Corbado's
 * `cbo_session_token` cookie) for the app's session cookies.
 */
export const POST = handleErrors(async (request: Request) => {
  const token = corbadoTokenFrom(request.headers, (await cookies()).get(CORBADO_SESSION_COOKIE));
  const { user, cookies: toSet } = await signInWithCorbadoSession(token);
  await replaceSession(toSet);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
