import { cookies } from 'next/headers';
import { z } from 'zod';
import { signInWithPasskey } from '@/lib/layers/self-hosted/sign-in';
import { keptForRetry } from '@/lib/sign-in/retry-route';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { webauthnResponseField } from '@/lib/layers/self-hosted/webauthn';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const PasskeySignIn = z.object({ response: webauthnResponseField });

/** POST {response}: the browser's passkey assertion; signs in its owner. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('passkey-sign-in');
  const { response } = await readBody(request, PasskeySignIn, 16 * 1024);
  const { user, cookies: sessionCookies } = await signInWithPasskey(await cookies(), response).catch(keptForRetry);
  await replaceSession(sessionCookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
