import { cookies } from 'next/headers';
import { signInWithPasskey } from '@/lib/auth/pipeline';
import { keptForRetry } from '@/lib/auth/sign-in-retry-route';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { requireEmbeddedPasskeyLayer } from '@/lib/passkeys/mode';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST {response}: the browser's passkey assertion; signs in its owner. */
export const POST = handleErrors(async (request: Request) => {
  requireEmbeddedPasskeyLayer();
  const body = await readJsonObject(request, 16 * 1024);
  const { user, cookies: sessionCookies } = await signInWithPasskey(await cookies(), body.response).catch(keptForRetry);
  await replaceSession(sessionCookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
